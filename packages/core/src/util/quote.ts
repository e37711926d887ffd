/**
 * Values from files and users go into error messages: a hostile 5 MB string must
 * not become a 5 MB message. `quoteValue` shows any value as JSON, cut to a
 * bounded length with a note of how long it was.
 */
export const MAX_QUOTED_LENGTH = 120;

export function quoteValue(value: unknown, maxLength = MAX_QUOTED_LENGTH): string {
  if (typeof value === 'string') return quoteText(value, maxLength);
  let text: string;
  try {
    text = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value));
  } catch {
    text = Object.prototype.toString.call(value); // cycles, throwing toJSON
  }
  return cut(text, maxLength);
}

/**
 * A string in single quotes, as Python (and peft's messages) show them, with
 * control characters escaped, cut to `maxLength` characters of content.
 */
export function quoteText(text: string, maxLength = MAX_QUOTED_LENGTH): string {
  const quoted = (s: string) => `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
  if (text.length <= maxLength) return quoted(text);
  return `${quoted(text.slice(0, maxLength))}... (${text.length} characters)`;
}

function cut(text: string, maxLength: number): string {
  return text.length <= maxLength ? text : `${text.slice(0, maxLength)}... (${text.length} characters)`;
}

/** A key or name as is when it is a plain identifier-like word, else quoted and cut. */
export function showName(name: string, maxLength = 80): string {
  return name.length <= maxLength && /^[\w.-]+$/.test(name) ? name : quoteText(name, maxLength);
}
