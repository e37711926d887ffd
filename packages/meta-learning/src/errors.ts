/**
 * Typed errors of @peftjs/meta-learning. Each says what was expected and what
 * was found, and carries the values as fields so callers can react without
 * parsing messages. Unknown parameter names reuse core's NotFoundError (with
 * its "closest names" suggestions), so one catch works across packages.
 */
import { brandErrorClass, InvalidArgumentError, PeftError } from '@peftjs/core';

/** An option of a meta-learner, sampler or evaluation with a value outside what is accepted. */
export class MetaLearningOptionError extends InvalidArgumentError {
  static {
    brandErrorClass(this, 'meta-learning', 'MetaLearningOptionError');
  }

  constructor(
    readonly option: string,
    readonly expected: string,
    readonly found: unknown,
  ) {
    super(`${option}: expected ${expected}, found ${describe(found)}`);
  }
}

/** A parameter selection that selects nothing: the inner or outer loop would have nothing to adapt. */
export class EmptyParameterSubsetError extends PeftError {
  static {
    brandErrorClass(this, 'meta-learning', 'EmptyParameterSubsetError');
  }

  constructor(
    readonly what: string,
    detail: string,
  ) {
    super('EMPTY_PARAMETER_SUBSET', `${what}: expected at least one parameter, found none (${detail})`);
  }
}

/** An episode that the dataset cannot fill: more ways than classes, or more shots than a class has examples. */
export class EpisodeSizeError extends PeftError {
  static {
    brandErrorClass(this, 'meta-learning', 'EpisodeSizeError');
  }

  constructor(
    message: string,
    readonly needed: number,
    readonly available: number,
  ) {
    super('EPISODE_SIZE', message);
  }
}

/** The meta-loss was NaN or infinite; the meta-parameters are left as they were before the step. */
export class NonFiniteMetaLossError extends PeftError {
  static {
    brandErrorClass(this, 'meta-learning', 'NonFiniteMetaLossError');
  }

  constructor(readonly value: number) {
    super('NON_FINITE_LOSS', `meta-step: expected a finite meta-loss, found ${value}; the meta-parameters were not updated`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
