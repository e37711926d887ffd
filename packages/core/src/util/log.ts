/**
 * Where peftjs' warnings go (unknown config keys from newer peft versions, ...).
 * Defaults to console.warn; `setWarningHandler` redirects or silences them.
 */
export type WarningHandler = (message: string) => void;

let handler: WarningHandler = (message) => console.warn(`[peftjs] ${message}`);

export function setWarningHandler(next: WarningHandler): WarningHandler {
  const previous = handler;
  handler = next;
  return previous;
}

export function warn(message: string): void {
  handler(message);
}
