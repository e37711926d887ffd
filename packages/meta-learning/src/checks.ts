/** Option checks shared by learners, samplers and evaluation. Each returns the value so checks read as assignments. */
import { MetaLearningOptionError } from './errors';

export function positiveNumber(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new MetaLearningOptionError(option, 'a positive finite number', value);
  return value;
}

export function positiveInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new MetaLearningOptionError(option, 'an integer >= 1', value);
  return value;
}

export function nonNegativeInteger(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new MetaLearningOptionError(option, 'an integer >= 0', value);
  return value;
}

/** A closed interval [low, high] given as a pair with low <= high. */
export function numberRange(option: string, value: unknown): readonly [number, number] {
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v)) && value[0] <= value[1];
  if (!ok) throw new MetaLearningOptionError(option, 'a pair [low, high] of finite numbers with low <= high', value);
  return value as [number, number];
}
