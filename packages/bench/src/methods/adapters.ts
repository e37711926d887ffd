/** IA3 and the three bottleneck adapters (Houlsby, Pfeiffer, parallel), from @peftjs/adapters. */
import type { TaskInfo } from '../types';
import { headToSave, peftMethod } from './peft';

const PACKAGE = '@peftjs/adapters';

/** IA3 on the task's linear layers; on GPT-2 the package's defaults (peft's) apply. */
export const ia3 = peftMethod({
  name: 'ia3',
  title: 'IA3',
  group: 'adapters',
  packageName: PACKAGE,
  config: (task: TaskInfo) => ({
    peft_type: 'IA3',
    ...(task.architecture === 'gpt2'
      ? { fan_in_fan_out: true }
      : { target_modules: [...task.linearTargets], feedforward_modules: [...task.feedForwardTargets] }),
    ...headToSave(task),
  }),
});

const bottleneck = (preset: 'houlsby' | 'pfeiffer' | 'parallel', title: string) =>
  peftMethod({
    name: preset,
    title,
    group: 'adapters',
    packageName: PACKAGE,
    // On small non-transformer bases the parallel preset's reduction of 2 (of a layer's input width) would train most of the
    // network; 16 keeps it an adapter, as the other two presets are.
    config: (task) => ({
      peft_type: 'BOTTLENECK',
      config: preset,
      ...(preset === 'parallel' && !task.transformer ? { reduction_factor: 16 } : {}),
      ...(task.bottleneckPlacement?.[preset] ? { placement: task.bottleneckPlacement[preset] } : {}),
      ...headToSave(task),
    }),
  });

export const houlsby = bottleneck('houlsby', 'Houlsby adapter');
export const pfeiffer = bottleneck('pfeiffer', 'Pfeiffer adapter');
export const parallelAdapter = bottleneck('parallel', 'Parallel adapter');
