/**
 * A second look at JSON text that JSON.parse has already accepted, for the two
 * things JSON.parse throws away: keys repeated inside one object (it silently keeps
 * the last, so a hostile safetensors header could show one tensor to a validator and
 * another to a loader) and whether a number was written as a float (`0.0` and `0`
 * both become 0, but Python's json writes them differently).
 *
 * The walk is iterative, so deeply nested input cannot overflow the stack, and
 * linear in the text length. It assumes valid JSON: run JSON.parse first.
 */

export type JsonPath = (string | number)[];

interface Frame {
  readonly isObject: boolean;
  /** Keys seen so far (objects only). */
  readonly keys: Set<string> | undefined;
  /** The key or index the next value will be stored under. */
  slot: string | number;
}

interface ScanVisitor {
  /** Called for each object key; return true to stop the scan. */
  key?(key: string, frames: readonly Frame[]): boolean;
  /** Called for each number literal with the raw text. */
  number?(literal: string, frames: readonly Frame[]): void;
}

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Digits, sign, point and exponent: the characters a JSON number is made of. */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2b || c === 0x2d || c === 0x65 || c === 0x45;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i++;
  return i;
}

/** Index just after the closing quote of the string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22 /* " */) return i + 1;
    else i++;
  }
  return i;
}

function scanJson(text: string, visitor: ScanVisitor): void {
  const frames: Frame[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const isObject = c === 0x7b;
      frames.push({ isObject, keys: isObject ? new Set() : undefined, slot: isObject ? '' : 0 });
      i++;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      frames.pop();
      i++;
    } else if (c === 0x2c /* , */) {
      const top = frames[frames.length - 1];
      if (top && !top.isObject) top.slot = (top.slot as number) + 1;
      i++;
    } else if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const after = skipWhitespace(text, end);
      const top = frames[frames.length - 1];
      if (top?.isObject && text.charCodeAt(after) === 0x3a /* : */) {
        const raw = text.slice(i, end);
        // Escapes must be decoded so "a" and "\u0061" count as the same key.
        const key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
        top.slot = key;
        if (visitor.key?.(key, frames)) return;
        i = after + 1;
      } else {
        i = end;
      }
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      visitor.number?.(text.slice(i, end), frames);
      i = end;
    } else {
      i++; // whitespace, ':' and the letters of true/false/null
    }
  }
}

function pathOf(frames: readonly Frame[]): JsonPath {
  return frames.map((frame) => frame.slot);
}

/** The first key repeated within one object, with the path of that object. */
export function findDuplicateKey(text: string): { key: string; path: JsonPath } | undefined {
  let found: { key: string; path: JsonPath } | undefined;
  scanJson(text, {
    key(key, frames) {
      const keys = frames[frames.length - 1].keys as Set<string>;
      if (keys.has(key)) {
        found = { key, path: pathOf(frames.slice(0, -1)) };
        return true;
      }
      keys.add(key);
      return false;
    },
  });
  return found;
}

/** Escape one path segment as RFC 6901 (JSON Pointer) requires. */
function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function toJsonPointer(path: JsonPath): string {
  return path.map((segment) => `/${pointerSegment(segment)}`).join('');
}

/**
 * JSON Pointers (`/lora_dropout`, `/alpha_pattern/q_proj`) of every number written
 * with a fraction or exponent, i.e. that Python's json.loads would read as a float.
 */
export function findFloatLiteralPaths(text: string): string[] {
  const paths: string[] = [];
  scanJson(text, {
    number(literal, frames) {
      if (/[.eE]/.test(literal)) paths.push(toJsonPointer(pathOf(frames)));
    },
  });
  return paths;
}
