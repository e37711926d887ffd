/**
 * Suites: which tasks, methods and seeds a run takes by default, and at what
 * size. `quick` finishes in minutes on two cores; `full` is the protocol at
 * full size; `test` is the quick suite shrunk for the test suite.
 */
import { UnknownNameError } from './registry';
import type { SuiteSize } from './types';

export interface Suite {
  readonly name: string;
  readonly description: string;
  readonly size: SuiteSize;
  readonly tasks: readonly string[];
  /** Undefined: every registered method. */
  readonly methods?: readonly string[];
  readonly seeds: readonly number[];
}

export const SUITES: Readonly<Record<string, Suite>> = {
  quick: {
    name: 'quick',
    description: 'every method on small versions of the tasks, 3 seeds (about five minutes on 2 cores); IMDb sentiment only in full',
    size: 'quick',
    tasks: ['sinusoid', 'mnist-mlp', 'fashion-mnist', 'text-spam', 'mobilenet'],
    seeds: [0, 1, 2],
  },
  full: {
    name: 'full',
    description: 'every task and method at full size (all shot counts, more data and steps), 5 seeds',
    size: 'full',
    tasks: ['sinusoid', 'mnist-mlp', 'mnist-cnn', 'fashion-mnist', 'text', 'text-spam', 'mobilenet'],
    seeds: [0, 1, 2, 3, 4],
  },
  test: {
    name: 'test',
    description: 'the quick suite shrunk to seconds, for tests',
    size: 'test',
    tasks: ['sinusoid', 'mnist-mlp', 'fashion-mnist', 'text', 'text-spam', 'mobilenet'],
    seeds: [0],
  },
};

export function getSuite(name: string): Suite {
  const suite = SUITES[name];
  if (suite === undefined) throw new UnknownNameError('suite', [name], Object.keys(SUITES));
  return suite;
}
