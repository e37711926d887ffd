/**
 * Warnings of this package. Core's `setWarningHandler` does not reach them
 * (core does not export its `warn`), so they go to console.warn with core's
 * prefix; see the package README.
 */
export function warn(message: string): void {
  console.warn(`[peftjs] ${message}`);
}
