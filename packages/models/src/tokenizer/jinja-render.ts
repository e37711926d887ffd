/**
 * Template.render of @huggingface/jinja, with its globals given here instead of
 * by the library, for two of them: `range` builds its whole list eagerly (a
 * template's `range(10**9)` would exhaust memory), so it is bounded; and
 * `raise_exception` becomes a ChatTemplateError carrying the template's message.
 * The other globals are the library's own (strftime_now is its implementation).
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { quoteText } from '@peftjs/core';
import { HF_TOKENIZER_LIMITS } from './hf-limits';
import { ChatTemplateError } from './tokenizer-errors';

let strftimeTemplate: Template | undefined;

function strftimeNow(format: unknown): string {
  strftimeTemplate ??= new Template('{{ strftime_now(format) }}');
  return strftimeTemplate.render({ format });
}

function raiseException(message: unknown): never {
  throw new ChatTemplateError(`chat template: expected it to render, found it raises ${quoteText(String(message), 200)}`);
}

/** Jinja's range(stop) / range(start, stop[, step]), refusing lists longer than HF_TOKENIZER_LIMITS.templateRangeItems. */
export function boundedRange(start: unknown, stop?: unknown, step: unknown = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (![from, to, step].every(Number.isSafeInteger) || step === 0) {
    throw new ChatTemplateError(`chat template range(): expected integers and a step other than 0, found range(${[from, to, step].map(String).join(', ')})`);
  }
  const [a, b, s] = [from, to, step] as number[];
  const count = Math.max(0, Math.ceil((b - a) / s));
  if (count > HF_TOKENIZER_LIMITS.templateRangeItems) {
    throw new ChatTemplateError(`chat template range(): expected at most ${HF_TOKENIZER_LIMITS.templateRangeItems} items, found ${count}`);
  }
  return Array.from({ length: count }, (_, i) => a + i * s);
}

// What the library's setupGlobals declares (0.5.13), with range and raise_exception replaced.
const GLOBALS: Readonly<Record<string, unknown>> = {
  false: false,
  true: true,
  none: null,
  False: false,
  True: true,
  None: null,
  raise_exception: raiseException,
  range: boundedRange,
  strftime_now: strftimeNow,
};

/** Names a caller's variable may not take: the globals, and the library's built-in `namespace`. */
export const JINJA_GLOBAL_NAMES: readonly string[] = [...Object.keys(GLOBALS), 'namespace'];

export function renderTemplate(template: Template, variables: Readonly<Record<string, unknown>>): string {
  const env = new Environment();
  for (const [name, value] of Object.entries({ ...GLOBALS, ...variables })) env.set(name, value);
  return String(new Interpreter(env).run(template.parsed).value);
}
