import { promises as fsp } from 'node:fs';
import { InvalidArgumentError } from '../../errors';
import { quoteText } from '../../util/quote';

/**
 * A whole file, or undefined when there is none, refused before reading when
 * it is larger than `maxBytes`: for files whose size a hostile folder chooses
 * (a config.json, a checkpoint index), so a 10 GB "config" is never read.
 */
export async function readFileIfPresent(file: string, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new InvalidArgumentError(`maxBytes: expected an integer >= 0, found ${maxBytes}`);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new InvalidArgumentError(`${quoteText(file, 200)}: expected a file of at most ${maxBytes} bytes, found ${size}`);
    const bytes = new Uint8Array(size);
    let offset = 0;
    while (offset < size) {
      const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    // A file that shrank while being read is returned as what was there.
    return offset === size ? bytes : bytes.subarray(0, offset);
  } finally {
    await handle.close();
  }
}
