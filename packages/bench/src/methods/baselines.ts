/** The two baselines every PEFT method is measured against: full fine-tuning and training the head alone. */
import { markOnlyTrainable, unfreeze } from '@peftjs/core';
import type { FineTuneMethod } from '../types';

export const fullFineTuning: FineTuneMethod = {
  kind: 'finetune',
  name: 'full',
  title: 'Full fine-tuning',
  group: 'baseline',
  build(base) {
    unfreeze(base, /.*/);
    return { model: base };
  },
};

export const headOnly: FineTuneMethod = {
  kind: 'finetune',
  name: 'head',
  title: 'Head only',
  group: 'baseline',
  build(base, { task }) {
    markOnlyTrainable(base, task.headPath);
    return { model: base, learningRate: task.adapterLearningRate };
  },
};
