/**
 * The MAML family from @peftjs/meta-learning: meta-trained on the task's source
 * distribution, then adapted with plain gradient steps on the few examples.
 * MAML over LoRA meta-learns only the LoRA matrices (and the head) of the frozen base.
 */
import { getPeftModel, unfreeze, type PeftModel } from '@peftjs/core';
import type * as MetaLearning from '@peftjs/meta-learning';
import type { AnyModel, MetaLearnerLike, MetaMethod, MetaOptions, TaskInfo } from '../types';
import { loadPackage } from './load-package';
import { loraConfig } from './lora';

const PACKAGE = '@peftjs/meta-learning';
const needsMeta = (task: TaskInfo): true | string => task.meta || `the ${task.name} task has no meta-learning protocol`;

type Make = (m: typeof MetaLearning, model: AnyModel, options: MetaOptions, task: TaskInfo) => MetaLearnerLike;

function metaMethod(name: string, title: string, make: Make): MetaMethod {
  return {
    kind: 'meta',
    name,
    title,
    group: 'meta',
    packages: [PACKAGE],
    applies: needsMeta,
    async createLearner(model, options, { task }) {
      const m = await loadPackage<typeof MetaLearning>(PACKAGE);
      unfreeze(model, /.*/);
      return { learner: make(m, model, options, task), model };
    },
  };
}

const common = (options: MetaOptions) => ({
  loss: options.loss,
  innerSteps: options.innerSteps,
  innerLearningRate: options.innerLearningRate,
  metaLearningRate: options.metaLearningRate,
});

export const maml = metaMethod('maml', 'MAML', (m, model, options) => new m.MAML(model, common(options)) as unknown as MetaLearnerLike);
export const firstOrderMaml = metaMethod('fomaml', 'First-order MAML', (m, model, options) => new m.FirstOrderMAML(model, common(options)) as unknown as MetaLearnerLike);
export const anil = metaMethod('anil', 'ANIL', (m, model, options, task) => new m.ANIL(model, { ...common(options), head: task.headPath }) as unknown as MetaLearnerLike);

export const mamlLora: MetaMethod = {
  kind: 'meta',
  name: 'maml-lora',
  title: 'MAML over LoRA r=4',
  group: 'meta',
  packages: [PACKAGE, '@peftjs/lora'],
  applies: needsMeta,
  async createLearner(model, options, { task }) {
    const m = await loadPackage<typeof MetaLearning>(PACKAGE);
    await loadPackage('@peftjs/lora');
    const peft = getPeftModel(model, loraConfig(task, 4)) as PeftModel<unknown, unknown>;
    const learner = new m.MAML(peft as unknown as AnyModel, common(options)) as unknown as MetaLearnerLike;
    return { learner, model: peft as unknown as AnyModel, peft };
  },
};
