/**
 * Trained adapters kept in the browser, across page reloads: peft's two files
 * (the bytes of `PeftModel.toAdapterBytes`) in IndexedDB, which pages and Web
 * Workers both have.
 *
 * Whole or absent: both files are one record, written by one `put` in one
 * transaction, and a save resolves only when that transaction has committed.
 * A reader therefore sees the old pair or the new one, never a config beside
 * another save's weights, and a tab closed mid-save leaves the old pair.
 *
 * Records are hostile on the way out (another script of the origin, an older
 * version, a damaged profile can have written them): every field is checked
 * before any byte is returned.
 */
import { InvalidArgumentError } from '../../errors';
import { quoteText } from '../../util/quote';
import { DEFAULT_MAX_ADAPTER_WEIGHTS_BYTES, MAX_ADAPTER_CONFIG_BYTES } from '../http/adapter-fetch';
import type { AdapterBytes } from '../peft/adapter-bytes';
import { AdapterStoreError } from './errors';

export const DEFAULT_ADAPTER_DATABASE = 'peftjs-adapter-store';
const OBJECT_STORE = 'adapters';
const DATABASE_VERSION = 1;
const RECORD_VERSION = 1;
/** Keys are names a user gives ("sentiment-v2"); a longer one is a mistake or an attack. */
export const MAX_ADAPTER_KEY_LENGTH = 256;

export interface AdapterStoreOptions {
  /** IndexedDB database name; default `peftjs-adapter-store`. */
  readonly databaseName?: string;
  /** The IndexedDB to use; default `globalThis.indexedDB` (tests pass fake-indexeddb's). */
  readonly indexedDB?: IDBFactory;
  /** Largest weights record returned by `get`, in bytes (default 2 GiB). */
  readonly maxWeightsBytes?: number;
}

export interface StoredAdapterInfo {
  readonly key: string;
  readonly configBytes: number;
  readonly weightsBytes: number;
  /** When the save committed, ms since the epoch. */
  readonly savedAt: number;
}

/** The record as written: both files together, so one put replaces both. */
interface AdapterRecord {
  readonly version: number;
  readonly config: Uint8Array;
  readonly weights: Uint8Array;
  readonly savedAt: number;
}

export interface AdapterStore {
  /** Saves the pair under `key`, replacing what was there; resolves once committed. */
  put(key: string, bytes: AdapterBytes): Promise<void>;
  /** The pair saved under `key`, or undefined. */
  get(key: string): Promise<AdapterBytes | undefined>;
  /** Removes `key` (nothing happens if it is absent). */
  delete(key: string): Promise<void>;
  /** What is stored, sorted by key, with sizes; every record is checked as `get` checks it. */
  list(): Promise<StoredAdapterInfo[]>;
  /** Closes the database connection (the store is unusable after). */
  close(): void;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_ADAPTER_KEY_LENGTH) {
    const found = typeof key === 'string' ? `a string of length ${key.length}` : typeof key;
    throw new InvalidArgumentError(`adapter store key: expected a string of 1 to ${MAX_ADAPTER_KEY_LENGTH} characters, found ${found}`);
  }
  return key;
}

function checkBytes(bytes: AdapterBytes): void {
  for (const [name, value, limit] of [['config', bytes?.config, MAX_ADAPTER_CONFIG_BYTES], ['weights', bytes?.weights, DEFAULT_MAX_ADAPTER_WEIGHTS_BYTES]] as const) {
    if (!(value instanceof Uint8Array) || value.length === 0 || value.length > limit) {
      const found = value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
      throw new InvalidArgumentError(`adapter store put: expected ${name} as a Uint8Array of 1 to ${limit} bytes (model.toAdapterBytes()), found ${found}`);
    }
  }
}

/** A promise for an IDB request's result; failures become AdapterStoreError. */
function requestResult<T>(request: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(AdapterStoreError.from('TRANSACTION', what, request.error));
  });
}

/** Resolves when the transaction has committed (not merely when its requests succeeded). */
function committed(transaction: IDBTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(AdapterStoreError.from(transaction.error?.name === 'QuotaExceededError' ? 'QUOTA' : 'TRANSACTION', what, transaction.error));
    transaction.onabort = () => reject(AdapterStoreError.from(transaction.error?.name === 'QuotaExceededError' ? 'QUOTA' : 'TRANSACTION', what, transaction.error));
  });
}

function isBytes(value: unknown, limit: number): value is Uint8Array {
  return value instanceof Uint8Array && value.length > 0 && value.length <= limit;
}

/** The record's pair, after checking every field; a record that fails names the key and the field. */
function readRecord(key: string, raw: unknown, maxWeightsBytes: number): AdapterRecord {
  const corrupt = (field: string, expected: string) =>
    new AdapterStoreError('CORRUPT_RECORD', `record ${quoteText(key, 80)}: expected ${field} to be ${expected}; delete it and save again`);
  if (typeof raw !== 'object' || raw === null) throw corrupt('the record', 'an object');
  const record = raw as Partial<AdapterRecord>;
  if (record.version !== RECORD_VERSION) throw corrupt('version', String(RECORD_VERSION));
  if (!isBytes(record.config, MAX_ADAPTER_CONFIG_BYTES)) throw corrupt('config', `a Uint8Array of 1 to ${MAX_ADAPTER_CONFIG_BYTES} bytes`);
  if (!isBytes(record.weights, maxWeightsBytes)) throw corrupt('weights', `a Uint8Array of 1 to ${maxWeightsBytes} bytes`);
  if (typeof record.savedAt !== 'number' || !Number.isFinite(record.savedAt)) throw corrupt('savedAt', 'a time in ms');
  return record as AdapterRecord;
}

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(name, DATABASE_VERSION);
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(OBJECT_STORE)) request.result.createObjectStore(OBJECT_STORE);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(AdapterStoreError.from('UNAVAILABLE', `opening IndexedDB database ${quoteText(name, 80)}`, request.error));
    request.onblocked = () => reject(new AdapterStoreError('UNAVAILABLE', `opening IndexedDB database ${quoteText(name, 80)}: blocked by a connection of another tab at an older version`));
  });
}

/**
 * Opens (creating if needed) the IndexedDB adapter store.
 *
 * ```ts
 * const store = await openAdapterStore();
 * await store.put('sentiment', await model.toAdapterBytes());
 * // ... after a reload:
 * const model = await PeftModel.fromAdapterBytes(base, (await store.get('sentiment'))!);
 * ```
 */
export async function openAdapterStore(options: AdapterStoreOptions = {}): Promise<AdapterStore> {
  const factory = options.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (factory === undefined) {
    throw new AdapterStoreError(
      'UNAVAILABLE',
      'expected IndexedDB (a browser page or worker), found none; in Node save to a folder (model.saveAdapter(dir)), elsewhere keep model.toAdapterBytes()',
    );
  }
  const maxWeightsBytes = options.maxWeightsBytes ?? DEFAULT_MAX_ADAPTER_WEIGHTS_BYTES;
  if (!Number.isSafeInteger(maxWeightsBytes) || maxWeightsBytes <= 0) {
    throw new InvalidArgumentError(`maxWeightsBytes: expected a positive integer, found ${maxWeightsBytes}`);
  }
  const database = await openDatabase(factory, options.databaseName ?? DEFAULT_ADAPTER_DATABASE);
  const transaction = (mode: IDBTransactionMode) =>
    mode === 'readwrite'
      ? database.transaction(OBJECT_STORE, mode, { durability: 'strict' })
      : database.transaction(OBJECT_STORE, mode);

  return {
    async put(key, bytes) {
      checkKey(key);
      checkBytes(bytes);
      // Copies, so a caller reusing its buffers after the call cannot change what is saved.
      const record: AdapterRecord = { version: RECORD_VERSION, config: bytes.config.slice(), weights: bytes.weights.slice(), savedAt: Date.now() };
      const write = transaction('readwrite');
      const done = committed(write, `saving ${quoteText(key, 80)}`);
      write.objectStore(OBJECT_STORE).put(record, key);
      await done;
    },

    async get(key) {
      checkKey(key);
      const raw = await requestResult(transaction('readonly').objectStore(OBJECT_STORE).get(key), `reading ${quoteText(key, 80)}`);
      if (raw === undefined) return undefined;
      const { config, weights } = readRecord(key, raw, maxWeightsBytes);
      return { config, weights };
    },

    async delete(key) {
      checkKey(key);
      const write = transaction('readwrite');
      const done = committed(write, `deleting ${quoteText(key, 80)}`);
      write.objectStore(OBJECT_STORE).delete(key);
      await done;
    },

    async list() {
      const read = transaction('readonly').objectStore(OBJECT_STORE);
      const infos: StoredAdapterInfo[] = [];
      await new Promise<void>((resolve, reject) => {
        const cursor = read.openCursor();
        cursor.onerror = () => reject(AdapterStoreError.from('TRANSACTION', 'listing the store', cursor.error));
        cursor.onsuccess = () => {
          const current = cursor.result;
          if (current === null) return resolve();
          const key = String(current.key);
          try {
            const record = readRecord(key, current.value, maxWeightsBytes);
            infos.push({ key, configBytes: record.config.length, weightsBytes: record.weights.length, savedAt: record.savedAt });
          } catch (error) {
            return reject(error);
          }
          current.continue();
        };
      });
      return infos.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    close() {
      database.close();
    },
  };
}
