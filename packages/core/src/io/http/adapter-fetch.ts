/**
 * An adapter folder served over http(s) (a static host, a CDN, the Hugging Face
 * Hub's `resolve/<revision>/` URLs): the same two files, and the commit record
 * when the server has one, fetched with the global `fetch` (browsers, Node 20).
 * Browser-safe: no Node built-in.
 *
 * In a browser the files are kept in the Cache API (cache `peftjs-adapters`), so
 * a page reload does not download the weights again. The commit record is
 * always fetched from the network: a cached pair that no longer matches the
 * record beside it on the server is dropped and fetched again.
 */
import { InvalidArgumentError } from '../../errors';
import { quoteValue } from '../../util/quote';
import { AdapterFetchError, AdapterFormatError } from '../errors';
import type { AdapterBytes, AdapterWeightsFormat } from '../peft/adapter-bytes';
import { checkPair, describeTornPair, parseCommitRecord, COMMIT_RECORD_FILE, MAX_COMMIT_RECORD_BYTES } from '../peft/commit-record';
import { ADAPTER_CONFIG_FILE, ADAPTER_PICKLE_WEIGHTS_FILE, ADAPTER_WEIGHTS_FILE } from '../peft/layout';
import { readBoundedBody } from './bounded-body';

/** A config is a few kB; one over this is not a peft config. */
export const MAX_ADAPTER_CONFIG_BYTES = 1 << 20;
/** The default `maxBytes` for weights: 2 GiB, about the largest buffer browsers allocate. */
export const DEFAULT_MAX_ADAPTER_WEIGHTS_BYTES = 2 ** 31;
export const ADAPTER_CACHE_NAME = 'peftjs-adapters';
/** How often the record may change under a read (an upload finishing meanwhile) before the pair is called torn. */
const READ_ATTEMPTS = 3;

export interface FetchAdapterOptions {
  /** Largest weights file accepted, in bytes (default 2 GiB). Refused before the body is read when Content-Length says so. */
  readonly maxBytes?: number;
  /** `false`: do not use the Cache API even where it exists. Default: use it when `globalThis.caches` exists. */
  readonly cache?: boolean;
  /** Aborts the downloads. */
  readonly signal?: AbortSignal;
}

export interface FetchedAdapter extends AdapterBytes {
  readonly weightsFormat: AdapterWeightsFormat;
  /** The URL of the weights file used (`.safetensors`, or `.bin` when the server has only that). */
  readonly weightsUrl: string;
}

/** True for a string or URL with the http: or https: scheme (a location `loadAdapter` fetches rather than reads from disk). */
export function isHttpUrl(location: unknown): location is string | URL {
  if (location instanceof URL) return location.protocol === 'http:' || location.protocol === 'https:';
  return typeof location === 'string' && /^https?:\/\//i.test(location);
}

/** The folder URL with a trailing slash, so that file names resolve inside it rather than beside it. */
export function adapterFolderUrl(location: string | URL, subfolder = ''): URL {
  const base = new URL(String(location));
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return subfolder === '' ? base : new URL(`${encodeURIComponent(subfolder)}/`, base);
}

interface Source {
  readonly cache: Cache | undefined;
  readonly signal: AbortSignal | undefined;
}

type Fetched = { readonly bytes: Uint8Array; readonly fromCache: boolean } | { readonly status: number };

async function fetchResponse(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error; // the caller's abort, as fetch reports it
    throw new AdapterFetchError('NETWORK', url, `fetch failed (${String((error as Error)?.message ?? error).slice(0, 200)})`);
  }
}

async function fetchBytes(url: string, limit: number, source: Source, useCache: boolean): Promise<Fetched> {
  const cache = useCache ? source.cache : undefined;
  const hit = await cache?.match(url);
  if (hit !== undefined) return { bytes: await readBoundedBody(hit, url, limit), fromCache: true };
  const response = await fetchResponse(url, { signal: source.signal, cache: useCache ? 'default' : 'no-store' });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status };
  }
  const bytes = await readBoundedBody(response, url, limit);
  // A full quota must not fail a download that succeeded.
  await cache?.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => undefined);
  return { bytes, fromCache: false };
}

function statusError(url: string, status: number, what: string): AdapterFetchError {
  return new AdapterFetchError('HTTP_STATUS', url, `expected the ${what} (HTTP 2xx), the server answered HTTP ${status}`, status);
}

async function fetchRequired(url: string, limit: number, source: Source, what: string) {
  const fetched = await fetchBytes(url, limit, source, true);
  if ('status' in fetched) throw statusError(url, fetched.status, what);
  return fetched;
}

/** The record's bytes, or undefined where the server has none (404/403: many hosts refuse dot-files) or one too large to be ours. */
async function fetchRecord(url: string, source: Source): Promise<Uint8Array | undefined> {
  let fetched: Fetched;
  try {
    fetched = await fetchBytes(url, MAX_COMMIT_RECORD_BYTES, source, false);
  } catch (error) {
    if (error instanceof AdapterFetchError && error.reason === 'TOO_LARGE') return undefined;
    throw error;
  }
  if (!('status' in fetched)) return fetched.bytes;
  if (fetched.status === 404 || fetched.status === 403) return undefined;
  throw statusError(url, fetched.status, 'commit record');
}

async function fetchWeights(folder: URL, limit: number, source: Source) {
  const safetensorsUrl = new URL(ADAPTER_WEIGHTS_FILE, folder).href;
  const safetensors = await fetchBytes(safetensorsUrl, limit, source, true);
  if (!('status' in safetensors)) return { ...safetensors, weightsFormat: 'safetensors' as const, weightsUrl: safetensorsUrl };
  if (safetensors.status !== 404) throw statusError(safetensorsUrl, safetensors.status, 'adapter weights');
  // Older peft saved torch.save's adapter_model.bin only.
  const binUrl = new URL(ADAPTER_PICKLE_WEIGHTS_FILE, folder).href;
  const bin = await fetchBytes(binUrl, limit, source, true);
  if ('status' in bin) throw statusError(safetensorsUrl, 404, `adapter weights (${ADAPTER_PICKLE_WEIGHTS_FILE} answered HTTP ${bin.status} too)`);
  return { ...bin, weightsFormat: 'torch' as const, weightsUrl: binUrl };
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined) =>
  a === undefined || b === undefined ? a === b : a.length === b.length && a.every((byte, i) => byte === b[i]);

function checkedLimit(maxBytes: number | undefined): number {
  const limit = maxBytes ?? DEFAULT_MAX_ADAPTER_WEIGHTS_BYTES;
  if (!(Number.isSafeInteger(limit) && limit >= 0)) {
    throw new InvalidArgumentError(`maxBytes must be a non-negative integer, found ${quoteValue(maxBytes)}`);
  }
  return limit;
}

async function openCache(options: FetchAdapterOptions): Promise<Cache | undefined> {
  if (options.cache === false || globalThis.caches === undefined) return undefined;
  // Opaque origins (sandboxed iframes, file://) refuse the Cache API: download without it.
  return globalThis.caches.open(ADAPTER_CACHE_NAME).catch(() => undefined);
}

/**
 * The config and weights of the adapter at `folderUrl`, as one save wrote them.
 * Reads record, config, weights, record again: a record that changed meanwhile
 * means an upload finished during the read, so it reads again. A pair the
 * record calls torn (one file re-uploaded, the other not yet) is an
 * AdapterFormatError `TORN_ADAPTER`. Cached files that do not match the
 * record are fetched again from the network first. Weights from `adapter_model.bin` have no record to check.
 */
export async function fetchAdapterBytes(folderUrl: URL, options: FetchAdapterOptions = {}): Promise<FetchedAdapter> {
  const limit = checkedLimit(options.maxBytes);
  const source: Source = { cache: await openCache(options), signal: options.signal };
  const recordUrl = new URL(COMMIT_RECORD_FILE, folderUrl).href;
  const configUrl = new URL(ADAPTER_CONFIG_FILE, folderUrl).href;
  let stale: 'config' | 'weights' = 'weights';
  let evicted = false;
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    const recordBefore = await fetchRecord(recordUrl, source);
    const config = await fetchRequired(configUrl, MAX_ADAPTER_CONFIG_BYTES, source, 'adapter config');
    const weights = await fetchWeights(folderUrl, limit, source);
    const fetched = { config: config.bytes, weights: weights.bytes, weightsFormat: weights.weightsFormat, weightsUrl: weights.weightsUrl };
    if (weights.weightsFormat === 'torch') return fetched;
    if (!sameBytes(recordBefore, await fetchRecord(recordUrl, source))) continue;
    const record = recordBefore === undefined ? undefined : parseCommitRecord(recordBefore);
    if (record === undefined) return fetched;
    const check = await checkPair(record, config.bytes, weights.bytes);
    if (check.state === 'whole') return fetched;
    // Cached files the record does not name are an older upload: fetch them again.
    if (!evicted && (config.fromCache || weights.fromCache)) {
      await Promise.all([source.cache?.delete(configUrl), source.cache?.delete(weights.weightsUrl)]);
      evicted = true;
      continue;
    }
    if (check.state === 'replaced') return fetched;
    stale = check.stale!;
    break;
  }
  throw new AdapterFormatError('TORN_ADAPTER', describeTornPair(folderUrl.href, stale));
}
