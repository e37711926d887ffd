import { PeftError } from '../../errors';
import { brandErrorClass } from '../../util/brand';

export type AdapterStoreReason =
  /** No IndexedDB here (Node, a private mode that disables it), or the database could not be opened. */
  | 'UNAVAILABLE'
  /** The origin's storage quota is full: nothing was written. */
  | 'QUOTA'
  /** A transaction failed or was aborted: nothing was written. */
  | 'TRANSACTION'
  /** A stored record is not a pair this store wrote (another script, an older version, damage). */
  | 'CORRUPT_RECORD';

/** Saving, reading or listing adapters in the browser's IndexedDB failed; `reason` says how. */
export class AdapterStoreError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterStoreError');
  }

  constructor(
    readonly reason: AdapterStoreReason,
    message: string,
  ) {
    super('ADAPTER_STORE', `Adapter store (${reason}): ${message}`);
  }

  /** Wraps a DOMException (or anything) that IndexedDB reported while doing `what`. */
  static from(reason: AdapterStoreReason, what: string, cause: unknown): AdapterStoreError {
    const detail = cause instanceof Error || (typeof cause === 'object' && cause !== null && 'name' in cause)
      ? `${(cause as { name: string }).name}: ${(cause as { message?: string }).message ?? ''}`
      : String(cause);
    const error = new AdapterStoreError(reason, `${what} failed (${detail.slice(0, 300)}); nothing was changed`);
    (error as { cause?: unknown }).cause = cause;
    return error;
  }
}
