/**
 * Declarative config fields. A method describes its config as a table of
 * fields (peft's snake_case keys, a default, a check), and `parseConfig` does
 * the rest: defaults, validation with typed errors that name the key, the
 * expected and the found value, and warnings (not errors) for keys it does not
 * know, since configs written by newer peft versions carry new keys.
 */
import { InvalidArgumentError } from '../../errors';
import { quoteValue } from '../../util/quote';

export interface Field<T> {
  /** Checks and normalises a raw JSON value; throws a message on bad input. */
  parse(value: unknown, key: string): T;
  /** The value when the key is absent. `undefined` means the key is required. */
  readonly defaultValue: T | undefined;
  readonly description: string;
  /** A number Python writes as a float (`0.0`): peft's JSON keeps the `.0`, and so do we. */
  readonly isFloat?: boolean;
}

function describe(value: unknown): string {
  return quoteValue(value);
}

function fail(key: string, expected: string, value: unknown): never {
  throw new InvalidArgumentError(`config '${key}': expected ${expected}, found ${describe(value)}`);
}

function field<T>(description: string, defaultValue: T | undefined, parse: (value: unknown, key: string) => T): Field<T> {
  return { description, defaultValue, parse };
}

export interface NumberOptions {
  min?: number;
  /** Excludes `min` itself (for "positive"). */
  exclusiveMin?: boolean;
  max?: number;
  integer?: boolean;
}

export const fields = {
  number(defaultValue: number | undefined, options: NumberOptions = {}): Field<number> {
    const parts = [options.integer ? 'an integer' : 'a number'];
    if (options.min !== undefined) parts.push(`${options.exclusiveMin ? '>' : '>='} ${options.min}`);
    if (options.max !== undefined) parts.push(`<= ${options.max}`);
    const description = parts.join(' ');
    const numberField = field(description, defaultValue, (value, key) => {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (!options.integer || Number.isInteger(value)) &&
        (options.min === undefined || (options.exclusiveMin ? value > options.min : value >= options.min)) &&
        (options.max === undefined || value <= options.max);
      if (!ok) fail(key, description, value);
      return value as number;
    });
    return { ...numberField, isFloat: !options.integer };
  },

  positiveInteger(defaultValue: number | undefined): Field<number> {
    return fields.number(defaultValue, { integer: true, min: 0, exclusiveMin: true });
  },

  boolean(defaultValue: boolean | undefined): Field<boolean> {
    return field('a boolean', defaultValue, (value, key) => (typeof value === 'boolean' ? value : fail(key, 'a boolean', value)));
  },

  string(defaultValue: string | undefined): Field<string> {
    return field('a string', defaultValue, (value, key) => (typeof value === 'string' ? value : fail(key, 'a string', value)));
  },

  oneOf<const T extends string | boolean>(choices: readonly T[], defaultValue: T | undefined): Field<T> {
    const description = `one of ${choices.map(describe).join(', ')}`;
    return field(description, defaultValue, (value, key) => (choices.includes(value as T) ? (value as T) : fail(key, description, value)));
  },

  stringList(defaultValue: string[] | undefined): Field<string[]> {
    return field('a list of strings', defaultValue, (value, key) =>
      Array.isArray(value) && value.every((v) => typeof v === 'string') ? [...value] : fail(key, 'a list of strings', value),
    );
  },

  integerList(defaultValue: number[] | undefined): Field<number[]> {
    return field('a list of integers', defaultValue, (value, key) =>
      Array.isArray(value) && value.every((v) => Number.isInteger(v)) ? [...value] : fail(key, 'a list of integers', value),
    );
  },

  /** A map from strings to numbers, as peft's rank_pattern and alpha_pattern. */
  numberMap(defaultValue: Record<string, number> | undefined): Field<Record<string, number>> {
    const description = 'an object of numbers';
    return field(description, defaultValue, (value, key) => {
      const ok = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v));
      return ok ? { ...(value as Record<string, number>) } : fail(key, description, value);
    });
  },

  /** Any JSON value, kept as is (fields peftjs carries but does not interpret). */
  json<T = unknown>(defaultValue: T | undefined): Field<T> {
    return field('any JSON value', defaultValue, (value) => value as T);
  },

  /** Accepts null (JSON's None) besides the inner field's values. */
  nullable<T>(inner: Field<T>, defaultValue: T | null = null): Field<T | null> {
    const description = `${inner.description} or null`;
    const nullableField = field(description, defaultValue, (value, key) => {
      if (value === null) return null;
      try {
        return inner.parse(value, key);
      } catch {
        return fail(key, description, value);
      }
    });
    return { ...nullableField, isFloat: inner.isFloat };
  },

  /** The first of several shapes that accepts the value (peft's `Union[...]` keys). */
  union<T>(description: string, defaultValue: T | undefined, choices: Array<Field<unknown>>): Field<T> {
    return field(description, defaultValue, (value, key) => {
      for (const choice of choices) {
        try {
          return choice.parse(value, key) as T;
        } catch {
          // try the next shape
        }
      }
      return fail(key, description, value);
    });
  },
};
