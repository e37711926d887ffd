/** Optimisers by name, for options objects and configs read from JSON. */
import { NotFoundError } from '../errors';
import { closestNames } from '../util/closest';
import { Adam, type AdamOptions } from './adam';
import { AdamW, type AdamWOptions } from './adamw';
import { rejectUnknownKeys } from './check';
import { TrainingOptionError, describeValue } from './errors';
import type { Optimizer } from './optimizer';
import { SGD, type SGDOptions } from './sgd';

/** The optimisers `createOptimizer` knows. (Named apart from accounting's `OptimizerName`, which also covers tfjs' optimisers.) */
export type OptimizerKind = 'adam' | 'adamw' | 'sgd';

export type OptimizerConfig =
  | ({ readonly name: 'adam' } & AdamOptions)
  | ({ readonly name: 'adamw' } & AdamWOptions)
  | ({ readonly name: 'sgd' } & SGDOptions);

const FACTORIES: Record<OptimizerKind, { keys: readonly string[]; make: (options: object) => Optimizer }> = {
  adam: { keys: ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'parameterGroups'], make: (o) => new Adam(o) },
  adamw: { keys: ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'parameterGroups'], make: (o) => new AdamW(o) },
  sgd: { keys: ['learningRate', 'momentum', 'dampening', 'nesterov', 'weightDecay', 'parameterGroups'], make: (o) => new SGD(o) },
};

export const OPTIMIZER_KINDS = Object.keys(FACTORIES) as OptimizerKind[];

/**
 * Builds an optimiser from a name or a config. `learningRate`, when given,
 * fills in a config that has none (the loop's top-level option); giving both is
 * an error, since one of them would be ignored.
 */
export function createOptimizer(spec: OptimizerKind | OptimizerConfig, learningRate?: number): Optimizer {
  const config: { name?: unknown; learningRate?: number } = typeof spec === 'string' ? { name: spec } : spec;
  if (config === null || typeof config !== 'object') {
    throw new TrainingOptionError('optimizer', `a name (${OPTIMIZER_KINDS.join(', ')}), a config { name, ... } or an Optimizer`, spec);
  }
  const name = config.name;
  if (typeof name !== 'string' || !(name in FACTORIES)) {
    throw new NotFoundError(
      `unknown optimizer ${describeValue(name)}: expected one of ${OPTIMIZER_KINDS.map((k) => `'${k}'`).join(', ')}`,
      typeof name === 'string' ? closestNames(name, OPTIMIZER_KINDS, 2) : [],
    );
  }
  const factory = FACTORIES[name as OptimizerKind];
  const { name: _name, ...options } = config;
  rejectUnknownKeys(`optimizer '${name}'`, options, factory.keys);
  if (learningRate !== undefined) {
    if (options.learningRate !== undefined && options.learningRate !== learningRate) {
      throw new TrainingOptionError('learningRate', 'one learning rate, given either at the top level or in the optimizer config', `${learningRate} and ${options.learningRate}`);
    }
    options.learningRate = learningRate;
  }
  return factory.make(options);
}
