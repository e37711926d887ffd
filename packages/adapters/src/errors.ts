/**
 * Typed errors of @peftjs/adapters. Each is a core `PeftError` with a stable
 * `code`, and says what was expected and what was found.
 */
import { brandErrorClass, PeftError } from '@peftjs/core';

/** Why a composition was refused. */
export type CompositionErrorReason =
  /** A block nested where the nesting table forbids it, or too deep. */
  | 'nesting'
  /** A block with no children, bad sizes or weights, or an unknown shape in JSON. */
  | 'malformed'
  /** An adapter the composition names is not in the model. */
  | 'unknown-adapter'
  /** An adapter of a method that cannot take part (LoRA in a Stack, IA3 in a Fuse, ...). */
  | 'unsupported-adapter'
  /** A Fuse whose fusion layer was never added, or whose adapters sit at different modules. */
  | 'fusion';

/** An adapter composition that cannot be used; `at` locates the offending block (`Stack > Fuse[1]`). */
export class CompositionError extends PeftError {
  static {
    brandErrorClass(this, 'adapters', 'CompositionError');
  }

  constructor(
    readonly reason: CompositionErrorReason,
    message: string,
    readonly at = '',
  ) {
    super('INVALID_COMPOSITION', at === '' ? message : `${message} (at ${at})`);
  }
}

/**
 * A placement that cannot be built: a module another method already adapts, a
 * width that cannot be told, a reduction factor that leaves no hidden units.
 * (Rules that match no module are core's NotFoundError, as for target_modules.)
 */
export class PlacementError extends PeftError {
  static {
    brandErrorClass(this, 'adapters', 'PlacementError');
  }

  constructor(message: string) {
    super('INVALID_PLACEMENT', message);
  }
}

/**
 * A target module the method cannot adapt: LN tuning on a module whose
 * parameters are not all vectors (not a norm), trainable tokens on a module
 * without a [rows, dim] `weight` table (not an embedding).
 */
export class UnsupportedTargetError extends PeftError {
  static {
    brandErrorClass(this, 'adapters', 'UnsupportedTargetError');
  }

  constructor(
    readonly path: string,
    message: string,
  ) {
    super('UNSUPPORTED_TARGET', message);
  }
}

/** Token indices that do not fit the embedding: not integers, outside [0, rows), repeated, or none. */
export class TokenIndicesError extends PeftError {
  static {
    brandErrorClass(this, 'adapters', 'TokenIndicesError');
  }

  constructor(message: string) {
    super('INVALID_TOKEN_INDICES', message);
  }
}
