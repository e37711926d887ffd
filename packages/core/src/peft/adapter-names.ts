import { NotFoundError } from '../errors';
import { closestNames } from '../util/closest';
import { quoteText } from '../util/quote';

/**
 * Every name in `names` is one of `known` (a PeftModel's adapters), else a
 * NotFoundError listing them, with the closest as suggestions. `caller` prefixes
 * the message (`saveAdapter: ...`).
 */
export function assertKnownAdapters(known: readonly string[], names: readonly string[], caller?: string): void {
  for (const name of names) {
    if (!known.includes(name)) {
      const prefix = caller === undefined ? '' : `${caller}: `;
      throw new NotFoundError(`${prefix}no adapter named ${quoteText(name)} (adapters: ${known.join(', ') || 'none'})`, closestNames(name, known));
    }
  }
}
