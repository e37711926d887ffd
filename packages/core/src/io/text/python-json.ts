import { InvalidArgumentError } from '../../errors';
import { compareCodePoints } from './code-point-order';
import { toJsonPointer, type JsonPath } from './json-scan';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface PythonJsonOptions {
  /**
   * JSON Pointers (`/lora_dropout`) of numbers Python holds as floats. JavaScript has
   * one number type, so an integral value such as 0 would otherwise be written `0`
   * where Python writes `0.0`. Non-integral numbers are always written as floats.
   */
  readonly floatPaths?: Iterable<string>;
}

/**
 * `json.dumps(value, indent=2, sort_keys=True)` as Python writes it, byte for byte:
 * the form Hugging Face peft uses for `adapter_config.json`, so files written here
 * diff cleanly against files written there. That means ", " never appears
 * (indent mode uses "," + newline), keys sorted by code point, non-ASCII escaped as
 * \uXXXX (ensure_ascii), floats in Python's repr (`1e-05`, `0.0`) and no trailing
 * newline. Non-finite numbers are refused: Python would write `NaN`, which is not JSON.
 */
export function formatPythonJson(value: unknown, options: PythonJsonOptions = {}): string {
  const floatPaths = new Set(options.floatPaths ?? []);
  return formatValue(value, [], '', floatPaths);
}

function formatValue(value: unknown, path: JsonPath, indent: string, floatPaths: ReadonlySet<string>): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return pythonStringLiteral(value);
  if (typeof value === 'number') return formatNumber(value, path, floatPaths);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((item, index) => inner + formatValue(item ?? null, [...path, index], inner, floatPaths));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort(compareCodePoints);
    if (keys.length === 0) return '{}';
    const items = keys.map(
      (key) => `${inner}${pythonStringLiteral(key)}: ${formatValue(value[key], [...path, key], inner, floatPaths)}`,
    );
    return `{\n${items.join(',\n')}\n${indent}}`;
  }
  throw new InvalidArgumentError(
    `Cannot write ${describe(value)} at ${toJsonPointer(path) || '/'} as JSON: expected null, boolean, number, string, array or plain object`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'object'}`;
  return `a ${typeof value}`;
}

function formatNumber(value: number, path: JsonPath, floatPaths: ReadonlySet<string>): string {
  if (!Number.isFinite(value)) {
    throw new InvalidArgumentError(`Cannot write ${value} at ${toJsonPointer(path) || '/'}: JSON has no non-finite numbers`);
  }
  if (Number.isInteger(value) && !floatPaths.has(toJsonPointer(path))) {
    // BigInt keeps large integers out of exponent notation, as Python's int does.
    return BigInt(value).toString();
  }
  return pythonFloatRepr(value);
}

/**
 * Python's `repr(float)`: the shortest digits that round-trip (as JavaScript also
 * picks), but positional notation only for decimal exponents -4 <= e < 16, a `.0`
 * on integral values, and a signed two-digit-minimum exponent (`1e-05`, `1e+16`).
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  // Python's rule is stated on the position of the decimal point, 1 + exponent.
  const pointPosition = exponent + 1;
  if (pointPosition > 16 || pointPosition < -3) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentDigits = String(Math.abs(exponent)).padStart(2, '0');
    return `${sign}${digits[0]}${fraction}e${exponent < 0 ? '-' : '+'}${exponentDigits}`;
  }
  if (pointPosition <= 0) return `${sign}0.${'0'.repeat(-pointPosition)}${digits}`;
  if (pointPosition >= digits.length) return `${sign}${digits}${'0'.repeat(pointPosition - digits.length)}.0`;
  return `${sign}${digits.slice(0, pointPosition)}.${digits.slice(pointPosition)}`;
}

const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string literal as Python's json writes it with ensure_ascii (lowercase hex). */
function pythonStringLiteral(text: string): string {
  const escaped = text.replace(/[^\x20-\x7e]|["\\]/g, (char) => {
    return SHORT_ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${escaped}"`;
}
