/**
 * Typed errors of the training loop. Each says what was expected and what was
 * found, and carries the values as fields so callers can react without parsing.
 */
import { InvalidArgumentError, PeftError } from '../errors';
import { brandErrorClass } from '../util/brand';

/** A training or optimiser option with a value outside what is accepted. */
export class TrainingOptionError extends InvalidArgumentError {
  static {
    brandErrorClass(this, 'core', 'TrainingOptionError');
  }

  constructor(
    /** The option's name as the caller wrote it (`learningRate`, `earlyStopping.patience`, `Adam beta1`). */
    readonly option: string,
    /** What would have been accepted, in words. */
    readonly expected: string,
    readonly found: unknown,
  ) {
    super(`${option}: expected ${expected}, found ${describeValue(found)}`);
  }
}

/** `train` was given a model whose parameters are all frozen: there is nothing to optimise. */
export class NoTrainableParametersError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'NoTrainableParametersError');
  }

  constructor(readonly parameterCount: number) {
    super(
      'NO_TRAINABLE_PARAMETERS',
      `train: expected at least one trainable parameter, found none among ${parameterCount} parameter(s) ` +
        '(all frozen? mark some trainable with unfreeze() or markOnlyTrainable())',
    );
  }
}

/**
 * The loss, or the global norm of the gradients, was NaN or infinite. Training
 * stops before the update is applied, so the model keeps the parameters of the
 * last good step.
 */
export class NonFiniteLossError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'NonFiniteLossError');
  }

  constructor(
    /** Which quantity was not finite. */
    readonly quantity: 'loss' | 'gradient norm',
    /** The optimiser step that was being computed (1-based: the first step is 1). */
    readonly step: number,
    /** 0-based epoch. */
    readonly epoch: number,
    readonly value: number,
  ) {
    super('NON_FINITE_LOSS', `training step ${step} (epoch ${epoch}): expected a finite ${quantity}, found ${value}; the parameters of step ${step - 1} are kept`);
  }
}

/** A checkpoint directory that cannot be resumed from: missing files, other format, or tensors that do not fit the model. */
export class CheckpointError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'CheckpointError');
  }

  constructor(
    readonly directory: string,
    message: string,
  ) {
    super('CHECKPOINT', `checkpoint ${directory}: ${message}`);
  }
}

/**
 * The loss function's value does not depend on any trainable parameter: no
 * gradient can flow, so training would change nothing.
 */
export class LossNotConnectedError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'LossNotConnectedError');
  }

  constructor(readonly trainableCount: number) {
    super(
      'LOSS_NOT_CONNECTED',
      `loss: expected a value computed from the ${trainableCount} trainable parameter(s), found no path from any of them ` +
        '(modules must read parameters with parameter.read(), inside the loss function)',
    );
  }
}

/** The data source did not give what the loop needs (no batch in an epoch, a one-shot iterator used twice). */
export class TrainingDataError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'TrainingDataError');
  }

  constructor(message: string) {
    super('TRAINING_DATA', message);
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value === null || typeof value !== 'object') return String(value);
  const name = (value as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}
