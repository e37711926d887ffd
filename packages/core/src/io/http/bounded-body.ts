/**
 * A response body read whole, but never past a limit: a server (or a man in the
 * middle) cannot make the reader allocate more than it agreed to. Browser-safe.
 */
import { AdapterFetchError } from '../errors';

function tooLarge(url: string, limit: number, found: string): AdapterFetchError {
  return new AdapterFetchError('TOO_LARGE', url, `expected at most ${limit} bytes, found ${found}`);
}

/**
 * The body of `response`, refused with `TOO_LARGE` as soon as it is known to be
 * over `limit`: from Content-Length before reading, else by counting while
 * streaming (Content-Length can be absent or wrong). The body is cancelled on refusal.
 */
export async function readBoundedBody(response: Response, url: string, limit: number): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(url, limit, `Content-Length ${declared.slice(0, 30)}`);
  }
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(url, limit, `more than that after ${total} bytes`);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
