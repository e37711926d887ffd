import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nodeAtomicWriteFs, writeFilesAtomically, type AtomicWriteFs } from './atomic-write';

let dir: string;
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-atomic-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

const read = (name: string) => fsp.readFile(path.join(dir, name), 'utf8');
const listing = async () => (await fsp.readdir(dir)).sort();

/** The real file system, except that call number `failAt` of `method` throws. */
function failing(method: keyof AtomicWriteFs, failAt: number): AtomicWriteFs {
  let calls = 0;
  return {
    ...nodeAtomicWriteFs,
    [method]: async (...args: [string, never]) => {
      calls++;
      if (calls === failAt) throw new Error(`injected ${method} failure`);
      return (nodeAtomicWriteFs[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    },
  };
}

describe('writeFilesAtomically', () => {
  it('writes and replaces files, leaving no temporary files', async () => {
    await fsp.writeFile(path.join(dir, 'a'), 'old a');
    await writeFilesAtomically([
      { path: path.join(dir, 'a'), data: 'new a' },
      { path: path.join(dir, 'b'), data: new Uint8Array([98]) },
    ]);
    expect(await read('a')).toBe('new a');
    expect(await read('b')).toBe('b');
    expect(await listing()).toEqual(['a', 'b']);
  });

  it('changes nothing when writing a temporary file fails', async () => {
    await fsp.writeFile(path.join(dir, 'a'), 'old a');
    const files = [
      { path: path.join(dir, 'a'), data: 'new a' },
      { path: path.join(dir, 'b'), data: 'new b' },
    ];
    await expect(writeFilesAtomically(files, failing('writeNew', 2))).rejects.toThrow('injected writeNew failure');
    expect(await read('a')).toBe('old a');
    expect(await listing()).toEqual(['a']);
  });

  it('rolls back files already replaced when a later rename fails', async () => {
    await fsp.writeFile(path.join(dir, 'a'), 'old a');
    await fsp.writeFile(path.join(dir, 'c'), 'old c');
    const files = ['a', 'b', 'c'].map((name) => ({ path: path.join(dir, name), data: `new ${name}` }));
    await expect(writeFilesAtomically(files, failing('rename', 3))).rejects.toThrow('injected rename failure');
    expect(await read('a')).toBe('old a'); // restored
    expect(await read('c')).toBe('old c'); // never replaced
    expect(await listing()).toEqual(['a', 'c']); // b did not exist before: removed
  });

  it('leaves a single file untouched when its rename fails', async () => {
    await fsp.writeFile(path.join(dir, 'a'), 'old a');
    await expect(writeFilesAtomically([{ path: path.join(dir, 'a'), data: 'new' }], failing('rename', 1))).rejects.toThrow();
    expect(await read('a')).toBe('old a');
    expect(await listing()).toEqual(['a']);
  });
});
