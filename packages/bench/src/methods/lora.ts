/** LoRA at three ranks, and DoRA, from @peftjs/lora. */
import type { TaskInfo } from '../types';
import { headToSave, peftMethod } from './peft';

export function loraConfig(task: TaskInfo, r: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { peft_type: 'LORA', r, lora_alpha: 2 * r, lora_dropout: 0, target_modules: [...task.linearTargets], ...headToSave(task), ...task.loraExtras, ...extra };
}

const lora = (r: number) =>
  peftMethod({ name: `lora-r${r}`, title: `LoRA r=${r}`, group: 'lora', packageName: '@peftjs/lora', config: (task) => loraConfig(task, r) });

export const loraR1 = lora(1);
export const loraR4 = lora(4);
export const loraR8 = lora(8);

export const dora = peftMethod({
  name: 'dora',
  title: 'DoRA r=4',
  group: 'lora',
  packageName: '@peftjs/lora',
  config: (task) => loraConfig(task, 4, { use_dora: true }),
});
