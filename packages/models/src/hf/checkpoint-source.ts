/**
 * Where a Hugging Face checkpoint's files come from: a local folder (Node,
 * through core's file functions, which the browser build of core replaces by
 * typed errors) or an http(s) base URL (fetch, in Node and browsers). Every
 * read is bounded, and a safetensors header can be read alone, so a shard's
 * names and shapes are checked before its weights are read.
 */
import {
  AdapterFetchError,
  readBoundedBody,
  readFileIfPresent,
  readHeaderFromPrefix,
  readSafetensorsFileHeader,
  type SafetensorsHeader,
} from '@peftjs/core';
import { CheckpointSourceError } from '../errors';

export interface CheckpointSource {
  /** Shown in errors: the folder or the URL. */
  readonly location: string;
  /** The file's bytes, or undefined when it does not exist; refused when over `maxBytes`. */
  readBytes(name: string, maxBytes: number): Promise<Uint8Array | undefined>;
  /**
   * The validated header of a .safetensors file, reading as little of it as the
   * source allows; `maxBytes` bounds a whole-file read where ranges are not served.
   */
  readHeader(name: string, maxBytes: number): Promise<SafetensorsHeader>;
}

/** A local folder (Node). */
export function folderSource(folder: string): CheckpointSource {
  const file = (name: string) => `${folder.replace(/[\\/]+$/, '')}/${name}`;
  return {
    location: folder,
    async readBytes(name, maxBytes) {
      try {
        return await readFileIfPresent(file(name), maxBytes);
      } catch (error) {
        if ((error as { code?: string }).code === 'INVALID_ARGUMENT') throw new CheckpointSourceError('TOO_LARGE', file(name), `expected at most ${maxBytes} bytes`);
        throw error;
      }
    },
    async readHeader(name, maxBytes) {
      try {
        const header = await readSafetensorsFileHeader(file(name));
        if (header.fileByteLength > maxBytes) throw new CheckpointSourceError('TOO_LARGE', file(name), `expected at most ${maxBytes} bytes, found ${header.fileByteLength}`);
        return header;
      } catch (error) {
        if ((error as { code?: string }).code === 'NOT_FOUND') throw new CheckpointSourceError('NOT_FOUND', file(name), 'expected a .safetensors file');
        throw error;
      }
    },
  };
}

export interface UrlSourceOptions {
  /** Passed to every fetch (credentials, headers such as an Authorization token). */
  readonly init?: RequestInit;
  readonly signal?: AbortSignal;
}

/**
 * An http(s) base URL that serves the checkpoint's files beside each other
 * (a static server, a CDN, the Hub's `resolve/<revision>/` URLs).
 */
export function urlSource(base: string | URL, options: UrlSourceOptions = {}): CheckpointSource {
  const root = new URL(String(base).endsWith('/') ? String(base) : `${String(base)}/`);
  if (root.protocol !== 'http:' && root.protocol !== 'https:') throw new CheckpointSourceError('NOT_FOUND', root.href, 'expected an http(s) URL');
  const urlOf = (name: string) => new URL(encodeURIComponent(name), root).href;
  const get = async (name: string, headers?: Record<string, string>): Promise<Response> => {
    const url = urlOf(name);
    try {
      return await fetch(url, { ...options.init, headers: { ...(options.init?.headers as Record<string, string> | undefined), ...headers }, signal: options.signal });
    } catch (error) {
      throw new CheckpointSourceError('NETWORK', url, `fetch failed: ${String((error as Error)?.message ?? error).slice(0, 200)}`);
    }
  };
  const body = async (response: Response, url: string, maxBytes: number) => {
    try {
      return await readBoundedBody(response, url, maxBytes);
    } catch (error) {
      if (error instanceof AdapterFetchError && error.reason === 'TOO_LARGE') throw new CheckpointSourceError('TOO_LARGE', url, `expected at most ${maxBytes} bytes`);
      throw new CheckpointSourceError('NETWORK', url, `reading the body failed: ${String((error as Error)?.message ?? error).slice(0, 200)}`);
    }
  };
  const failed = async (response: Response, url: string) => {
    await response.body?.cancel().catch(() => undefined);
    return new CheckpointSourceError(response.status === 404 ? 'NOT_FOUND' : 'HTTP_STATUS', url, `the server answered ${response.status}`);
  };
  return {
    location: root.href,
    async readBytes(name, maxBytes) {
      const response = await get(name);
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined);
        return undefined;
      }
      if (!response.ok) throw await failed(response, urlOf(name));
      return body(response, urlOf(name), maxBytes);
    },
    async readHeader(name, maxBytes) {
      const url = urlOf(name);
      // The length first, then the header: two range requests, whatever the file's size.
      const first = await get(name, { Range: 'bytes=0-7' });
      if (first.status === 206) {
        const total = Number(/\/(\d+)$/.exec(first.headers.get('content-range') ?? '')?.[1]);
        const prefix = await body(first, url, 8);
        if (!Number.isSafeInteger(total)) throw new CheckpointSourceError('HTTP_STATUS', url, 'a 206 answer without the file size in Content-Range');
        if (total > maxBytes) throw new CheckpointSourceError('TOO_LARGE', url, `expected at most ${maxBytes} bytes, found ${total}`);
        return readHeaderFromPrefix(prefix, total, async (length) => {
          const rest = await get(name, { Range: `bytes=0-${7 + length}` });
          if (rest.status !== 206) throw await failed(rest, url);
          return body(rest, url, 8 + length);
        });
      }
      if (!first.ok) throw await failed(first, url);
      // A server without range support sends the whole file: read it, bounded, and parse its header.
      const whole = await body(first, url, maxBytes);
      return readHeaderFromPrefix(whole.subarray(0, 8), whole.length, async () => whole);
    },
  };
}

/** A folder path or an http(s) URL as a source; a source object as it is. */
export function resolveCheckpointSource(source: string | URL | CheckpointSource, options: UrlSourceOptions = {}): CheckpointSource {
  if (typeof source === 'object' && !(source instanceof URL)) return source;
  const text = String(source);
  return /^https?:\/\//i.test(text) ? urlSource(text, options) : folderSource(text);
}
