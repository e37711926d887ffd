/**
 * Warnings of this package, through core's warning handler (so that
 * `setWarningHandler` redirects or silences them too). Core exports no `warn`,
 * but `setWarningHandler` returns the handler in place, which we put back.
 */
import { setWarningHandler } from '@peftjs/core';

export function warn(message: string): void {
  const handler = setWarningHandler(() => undefined);
  setWarningHandler(handler);
  handler(message);
}
