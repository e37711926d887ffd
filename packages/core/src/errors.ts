/**
 * Typed errors. Every error peftjs throws on bad input is a `PeftError` with a
 * stable `code`, and its message says what was expected and what was found, so
 * users can both catch it precisely and read it.
 */
export class PeftError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A value had the wrong shape: `expected` and `found` are both reported. */
export class ShapeMismatchError extends PeftError {
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
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}
