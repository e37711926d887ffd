/**
 * Parameter accounting: how much of a model trains, what it weighs in memory,
 * and what optimiser state training it will cost.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { NotFoundError } from './errors';
import type { Module } from './nn/module';
import { closestNames } from './util/closest';

/**
 * Float32 slots each optimiser keeps per trainable element, as tfjs' own
 * optimisers allocate them (Adam: first and second moments; RMSProp: mean
 * square and momentum, plus mean gradient when centred).
 */
export const OPTIMIZER_STATE_SLOTS: Readonly<Record<string, number>> = {
  sgd: 0,
  momentum: 1,
  adagrad: 1,
  rmsprop: 2,
  'rmsprop-centered': 3,
  adadelta: 2,
  adam: 2,
  adamw: 2,
  adamax: 2,
};

export type OptimizerName = keyof typeof OPTIMIZER_STATE_SLOTS;

const BYTES_PER_ELEMENT: Record<tf.DataType, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  string: 0,
};

export interface ModuleCount {
  /** Dotted path ('' for the root). */
  path: string;
  type: string;
  trainable: number;
  total: number;
}

export interface ParameterCount {
  trainable: number;
  total: number;
  /** trainable / total, in [0, 1] (0 for an empty model). */
  trainableShare: number;
  totalBytes: number;
  trainableBytes: number;
  bytesByDtype: Partial<Record<tf.DataType, number>>;
  /** Each module with the totals of its whole subtree, in tree order. */
  modules: ModuleCount[];
  optimizer: string;
  /** Bytes of state `optimizer` keeps for the trainable parameters. */
  optimizerStateBytes: number;
}

export function countParameters(model: Module<never, unknown>, options: { optimizer?: string } = {}): ParameterCount {
  const optimizer = options.optimizer ?? 'adam';
  const slots = OPTIMIZER_STATE_SLOTS[optimizer];
  if (slots === undefined) {
    throw new NotFoundError(`unknown optimizer '${optimizer}'`, closestNames(optimizer, Object.keys(OPTIMIZER_STATE_SLOTS)));
  }
  const parameters = model.namedParameters();
  let trainable = 0;
  let total = 0;
  let totalBytes = 0;
  let trainableBytes = 0;
  const bytesByDtype: Partial<Record<tf.DataType, number>> = {};
  for (const [, p] of parameters) {
    const bytes = p.size * BYTES_PER_ELEMENT[p.dtype];
    total += p.size;
    totalBytes += bytes;
    bytesByDtype[p.dtype] = (bytesByDtype[p.dtype] ?? 0) + bytes;
    if (p.trainable) {
      trainable += p.size;
      trainableBytes += bytes;
    }
  }
  const byPath = new Map(parameters);
  const modules = model.namedModules().map(([path, module]): ModuleCount => {
    const count: ModuleCount = { path, type: module.constructor.name, trainable: 0, total: 0 };
    for (const [subPath] of module.namedParameters()) {
      // Count through the root's dedup: a tied parameter belongs to its first path only.
      const parameter = byPath.get(path === '' ? subPath : `${path}.${subPath}`);
      if (parameter === undefined) continue;
      count.total += parameter.size;
      if (parameter.trainable) count.trainable += parameter.size;
    }
    return count;
  });
  return {
    trainable,
    total,
    trainableShare: total === 0 ? 0 : trainable / total,
    totalBytes,
    trainableBytes,
    bytesByDtype,
    modules,
    optimizer,
    optimizerStateBytes: trainable * 4 * slots,
  };
}

/** The line Hugging Face peft prints: `trainable params: 294,912 || all params: 124,734,720 || trainable%: 0.2364`. */
export function formatTrainableParameters(model: Module<never, unknown>): string {
  const { trainable, total, trainableShare } = countParameters(model);
  const grouped = (n: number) => n.toLocaleString('en-US');
  return `trainable params: ${grouped(trainable)} || all params: ${grouped(total)} || trainable%: ${(100 * trainableShare).toFixed(4)}`;
}

/** Prints (and returns) the peft line. */
export function printTrainableParameters(model: Module<never, unknown>, log: (line: string) => void = console.log): string {
  const line = formatTrainableParameters(model);
  log(line);
  return line;
}
