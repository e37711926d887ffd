import { PeftError } from '../errors';
import { brandErrorClass } from '../util/brand';
import { quoteText } from '../util/quote';

/**
 * Why a safetensors file was refused. Stable strings, so callers (and tests) can
 * tell a truncated download from a hostile header without parsing messages.
 */
export type SafetensorsFormatReason =
  /** Fewer than the 8 bytes that hold the header length. */
  | 'FILE_TOO_SHORT'
  /** The declared header length is over the 100 MB limit Python's safetensors also enforces. */
  | 'HEADER_TOO_LARGE'
  /** The declared header length runs past the end of the file. */
  | 'HEADER_OUT_OF_RANGE'
  | 'HEADER_NOT_UTF8'
  | 'HEADER_NOT_JSON'
  /** The header is JSON but not an object (`[]`, `null`, `3`, ...). */
  | 'HEADER_NOT_OBJECT'
  /** A key appears twice in one JSON object; JSON.parse would silently keep the last. */
  | 'DUPLICATE_KEY'
  /** `__metadata__` is not an object of strings. */
  | 'INVALID_METADATA'
  /** A tensor entry is not an object, or lacks `dtype`, `shape` or `data_offsets`. */
  | 'INVALID_ENTRY'
  /** A dtype that is not a string, or that peftjs cannot decode (F8_*, C64, ...). */
  | 'UNKNOWN_DTYPE'
  /** A shape that is not a list of non-negative safe integers, is too long, or whose size overflows. */
  | 'INVALID_SHAPE'
  /** `data_offsets` is not `[begin, end]` with integers 0 <= begin <= end. */
  | 'INVALID_OFFSETS'
  /** A tensor's bytes end past the end of the file. */
  | 'OFFSETS_OUT_OF_RANGE'
  /** Two tensors share bytes. */
  | 'OFFSETS_OVERLAP'
  /** Bytes between two tensors (or before the first) belong to no tensor. */
  | 'OFFSETS_GAP'
  /** Bytes after the last tensor belong to no tensor. */
  | 'DATA_NOT_COVERED'
  /** `end - begin` differs from the product of the shape times the dtype size. */
  | 'BYTE_COUNT_MISMATCH'
  /** A valid file, but an I64/U32/U64 value does not fit the int32 tfjs tensor asked for. */
  | 'INT_OUT_OF_RANGE'
  /** A float tensor holds NaN or an infinity, and the caller asked for finite values only. */
  | 'NON_FINITE';

/**
 * A safetensors file (or header) that peftjs refuses to decode. Every way a broken
 * or hostile file can fail ends here, never in a crash, hang or huge allocation.
 */
export class SafetensorsFormatError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'SafetensorsFormatError');
  }

  constructor(
    readonly reason: SafetensorsFormatReason,
    message: string,
    /** The tensor the problem was found in, when there is one. */
    readonly tensorName?: string,
  ) {
    super('SAFETENSORS_FORMAT', `Invalid safetensors (${reason}): ${message}`);
  }
}

export type AdapterFormatReason =
  /** `adapter_config.json` is not valid JSON. */
  | 'CONFIG_NOT_JSON'
  /** The config is JSON but not an object, or lacks a string `peft_type`. */
  | 'INVALID_CONFIG'
  /** Only pickle weights (`adapter_model.bin`), which cannot be read safely. */
  | 'UNSUPPORTED_WEIGHTS'
  /** The config and the weights come from different saves (see commit-record.ts). */
  | 'TORN_ADAPTER';

/** An adapter folder whose config peftjs cannot use. */
export class AdapterFormatError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterFormatError');
  }

  constructor(
    readonly reason: AdapterFormatReason,
    message: string,
  ) {
    super('ADAPTER_FORMAT', `Invalid adapter (${reason}): ${message}`);
  }
}

/** Another writer holds an adapter folder's lock for longer than the caller would wait. */
export class AdapterFolderBusyError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterFolderBusyError');
  }

  constructor(
    readonly folder: string,
    readonly waitedMs: number,
  ) {
    super('ADAPTER_FOLDER_BUSY', `another process is saving into ${quoteText(folder, 200)}: its lock was held for all of ${waitedMs} ms`);
  }
}

/** A path that would make a write land outside the folder asked for (a symlinked sub-folder, say). */
export class UnsafePathError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'UnsafePathError');
  }

  constructor(
    readonly path: string,
    message: string,
  ) {
    super('UNSAFE_PATH', `${quoteText(path, 200)}: ${message}`);
  }
}

export type AdapterFetchReason =
  /** The server answered with a status other than 2xx. */
  | 'HTTP_STATUS'
  /** The body is larger than the limit (said by Content-Length, or counted while reading). */
  | 'TOO_LARGE'
  /** fetch itself failed: no connection, DNS, CORS, an aborted signal. */
  | 'NETWORK';

/** Downloading an adapter's files from a URL failed; `url` is the file's, `status` the HTTP status when there was one. */
export class AdapterFetchError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterFetchError');
  }

  constructor(
    readonly reason: AdapterFetchReason,
    readonly url: string,
    message: string,
    readonly status?: number,
  ) {
    super('ADAPTER_FETCH', `Adapter download failed (${reason}) for ${quoteText(url, 300)}: ${message}`);
  }
}

/**
 * A file-system function was called where there is no file system: this copy of
 * @peftjs/core is its browser build (the one every non-Node `import` resolves
 * to). The message names the function and the in-memory API to use instead.
 */
export class FileSystemUnavailableError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'FileSystemUnavailableError');
  }

  constructor(
    /** The function that was called, `saveAdapter` say. */
    readonly api: string,
    /** What to call instead, on bytes or URLs. */
    readonly alternative: string,
  ) {
    super('FILE_SYSTEM_UNAVAILABLE', `${api}: expected Node's file system, found the browser build of @peftjs/core (no file system); ${alternative}`);
  }
}
