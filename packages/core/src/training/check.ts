/**
 * Option checks shared by the optimisers, schedules and the loop. Each returns
 * the value so checks read as assignments, and throws a TrainingOptionError that
 * names the option, what it accepts and what it got.
 */
import { NotFoundError } from '../errors';
import { closestNames } from '../util/closest';
import { TrainingOptionError } from './errors';

export function positiveNumber(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TrainingOptionError(option, 'a positive finite number', value);
  return value;
}

export function nonNegativeNumber(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TrainingOptionError(option, 'a finite number >= 0', value);
  return value;
}

export function positiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new TrainingOptionError(option, 'an integer >= 1', value);
  return value;
}

export function nonNegativeInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new TrainingOptionError(option, 'an integer >= 0', value);
  return value;
}

/** Momentum-like coefficients: 0 <= value < 1 (at 1 the average never moves). */
export function unitInterval(option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new TrainingOptionError(option, 'a number in [0, 1)', value);
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new TrainingOptionError(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

/**
 * Options objects are plain JS at the call site: a misspelt key (`learnigRate`)
 * would otherwise be ignored silently and the default used.
 */
export function rejectUnknownKeys(what: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if ((options as Record<string, unknown>)[key] === undefined) continue;
    if (!known.includes(key)) {
      throw new NotFoundError(`${what}: unknown option '${key}' (expected one of ${known.join(', ')})`, closestNames(key, known, 3));
    }
  }
}
