import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { HOST_TAG } from './folder-lock';

export interface FileToWrite {
  readonly path: string;
  readonly data: Uint8Array | string;
}

/** The filesystem calls the writer makes; tests replace them to inject failures. */
export interface AtomicWriteFs {
  /** Create `file` (which must not exist), write `data` and flush it to disk. */
  writeNew(file: string, data: Uint8Array | string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  /** Make `copy` hold what `file` holds now, leaving `file` in place. */
  preserve(file: string, copy: string): Promise<void>;
  unlink(file: string): Promise<void>;
  exists(file: string): Promise<boolean>;
}

export const nodeAtomicWriteFs: AtomicWriteFs = {
  async writeNew(file, data) {
    const handle = await fsp.open(file, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (from, to) => fsp.rename(from, to),
  async preserve(file, copy) {
    // A hard link costs nothing; file systems without links get a copy.
    await fsp.link(file, copy).catch(() => fsp.copyFile(file, copy));
  },
  unlink: (file) => fsp.unlink(file),
  exists: (file) =>
    fsp.access(file).then(
      () => true,
      () => false,
    ),
};

/** A hidden name beside `file`, so the rename stays on one file system. */
function besides(file: string, tag: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${tag}`);
}

/**
 * The temporary (`tmp`) and backup (`bak`) files a writer leaves beside `target`
 * while it runs, and after a kill: `.<target>.<kind>-<host>-<pid>-<random>`, so a
 * later writer can tell whose they are (see adapter-folder-state.ts).
 */
export function parseWriterFile(fileName: string): { target: string; kind: 'tmp' | 'bak'; host: string; pid: number } | undefined {
  const match = /^\.(.+)\.(tmp|bak)-([0-9a-f]{8})-(\d{1,10})-[0-9a-f]{12}$/.exec(fileName);
  if (match === null) return undefined;
  return { target: match[1], kind: match[2] as 'tmp' | 'bak', host: match[3], pid: Number(match[4]) };
}

async function removeQuietly(fs: AtomicWriteFs, files: Iterable<string>): Promise<void> {
  for (const file of files) await fs.unlink(file).catch(() => undefined);
}

/**
 * Write files so that each one is either wholly old or wholly new, and a failure
 * restores every file the call already replaced.
 *
 * Each file is written in full to a temporary name beside it, flushed, then renamed
 * over its target (rename is atomic on one file system). With several files, the
 * old ones are first preserved (hard link) so a failed rename can roll the earlier
 * ones back. Renames follow the order given: put the file readers look for first
 * (peft's `adapter_config.json`) last.
 */
export async function writeFilesAtomically(files: readonly FileToWrite[], fs: AtomicWriteFs = nodeAtomicWriteFs): Promise<void> {
  const token = `${HOST_TAG}-${process.pid}-${randomBytes(6).toString('hex')}`;
  const temps = files.map((file) => ({ ...file, temp: besides(file.path, `tmp-${token}`), backup: besides(file.path, `bak-${token}`) }));
  const pending = new Set<string>();
  try {
    for (const file of temps) {
      pending.add(file.temp); // before writing: a half-written temp must be removed too
      await fs.writeNew(file.temp, file.data);
    }
  } catch (error) {
    await removeQuietly(fs, pending);
    throw error;
  }

  const backups = new Map<string, string>();
  const placed: string[] = [];
  try {
    if (files.length > 1) {
      for (const file of temps) {
        if (!(await fs.exists(file.path))) continue;
        await fs.preserve(file.path, file.backup);
        backups.set(file.path, file.backup);
      }
    }
    for (const file of temps) {
      await fs.rename(file.temp, file.path);
      pending.delete(file.temp);
      placed.push(file.path);
    }
  } catch (error) {
    await rollBack(fs, placed, backups);
    await removeQuietly(fs, [...pending, ...backups.values()]);
    throw error;
  }
  await removeQuietly(fs, backups.values());
}

/** Put back what the call replaced; files that did not exist before are removed. */
async function rollBack(fs: AtomicWriteFs, placed: readonly string[], backups: Map<string, string>): Promise<void> {
  for (const target of [...placed].reverse()) {
    const backup = backups.get(target);
    try {
      if (backup === undefined) await fs.unlink(target);
      else {
        await fs.rename(backup, target);
        backups.delete(target);
      }
    } catch {
      // Best effort: the original error is the one worth reporting.
    }
  }
}
