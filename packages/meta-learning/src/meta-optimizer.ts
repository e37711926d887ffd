/**
 * The meta-optimiser: core's training optimisers (Adam, AdamW, SGD), whose
 * state is explicit and whose formulas are PyTorch's. The meta-update needs
 * only `applyGradients` and `dispose`, so anything with those two fits.
 */
import { Adam, type GradientUpdate, type Optimizer } from '@peftjs/core';

/** What a meta-learner asks of its optimiser (core's Adam, AdamW and SGD fit). */
export type MetaOptimizer = Pick<Optimizer, 'applyGradients' | 'dispose'>;

/** One meta-parameter's gradient: `name` keys the optimiser state (the parameter path, or `innerLearningRate:<path>`). */
export type MetaGradientUpdate = GradientUpdate;

/** Finn et al. 2017's meta-optimiser: Adam, by default at β = 1e-3. */
export function defaultMetaOptimizer(learningRate = 1e-3): MetaOptimizer {
  return new Adam({ learningRate });
}
