/** Warnings of this package go through core's handler, so `setWarningHandler` redirects or silences them too. */
export { warn } from '@peftjs/core';
