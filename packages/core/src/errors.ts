/**
 * Typed errors. Every error peftjs throws on bad input is a `PeftError` with a
 * stable `code`, and its message says what was expected and what was found, so
 * users can both catch it precisely and read it.
 *
 * Error classes are branded (util/brand.ts): `error instanceof NotFoundError`
 * holds for errors thrown by another loaded copy of @peftjs/core too, and
 * `error.name` is the class's name in minified builds as well.
 */
import type { PeftErrorCode } from './error-codes';
import { brandErrorClass } from './util/brand';

export type { PeftErrorCode, PeftErrorCodes } from './error-codes';

export class PeftError extends Error {
  static {
    brandErrorClass(this, 'core', 'PeftError');
  }

  readonly code: PeftErrorCode;

  constructor(code: PeftErrorCode, message: string) {
    super(message);
    // A user's subclass without a brand names itself after its class, as before.
    if (!Object.hasOwn(new.target.prototype, 'name')) this.name = new.target.name;
    this.code = code;
  }
}

/** A value had the wrong shape: `expected` and `found` are both reported. */
export class ShapeMismatchError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'ShapeMismatchError');
  }

  constructor(
    readonly what: string,
    readonly expected: readonly (number | null)[],
    readonly found: readonly number[],
  ) {
    super('SHAPE_MISMATCH', `${what}: expected shape [${expected.map((d) => d ?? '?').join(', ')}], found [${found.join(', ')}]`);
  }
}

/** A name, path or pattern that should have matched something did not. */
export class NotFoundError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'NotFoundError');
  }

  constructor(
    message: string,
    /** The closest existing names, to help fix a typo. */
    readonly suggestions: readonly string[] = [],
  ) {
    super('NOT_FOUND', suggestions.length > 0 ? `${message}. Closest names: ${suggestions.join(', ')}` : message);
  }
}

/** An option or argument had a value outside what is accepted. */
export class InvalidArgumentError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'InvalidArgumentError');
  }

  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** `loadStateDict` (strict) got a dict whose names differ from the module's parameter paths. */
export class StateDictMismatchError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'StateDictMismatchError');
  }

  constructor(
    /** Parameter paths the dict has no value for. */
    readonly missing: readonly string[],
    /** Dict keys that name no parameter. */
    readonly unexpected: readonly string[],
  ) {
    super('STATE_DICT_MISMATCH', `loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
  }
}
