/**
 * Reading an adapter folder as a whole, and tidying what dead writers left.
 *
 * A save writes three files through temporary names and renames them weights,
 * config, commit record (see io/peft/commit-record.ts); before renaming, it
 * hard-links the files it replaces to backups, removed once it is done. So at
 * any instant, and after a kill at any point, the folder holds either a pair the
 * record names, or one new file beside the old record and a backup of the file
 * it replaced: the previous complete pair is still on disk, and readers use it.
 *
 * A torn pair with no writer's files beside it was not left by a save of ours:
 * one file was rewritten by another tool (a Python script editing the weights,
 * say). Such a pair is the user's, and is read as it is, like a folder that has
 * no record at all.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { AdapterFormatError } from '../errors';
import { checkPair, describeTornPair, parseCommitRecord, sha256Hex, COMMIT_RECORD_FILE, MAX_COMMIT_RECORD_BYTES, type CommitRecord } from '../peft/commit-record';
import { ADAPTER_CONFIG_FILE, ADAPTER_PICKLE_WEIGHTS_FILE, ADAPTER_WEIGHTS_FILE } from '../peft/layout';
import { parseWriterFile } from './atomic-write';
import { HOST_TAG, isProcessAlive, tryAcquireFolderLock } from './folder-lock';
import { readFileOrNotFound } from './safetensors-file';

export interface AdapterFiles {
  readonly adapterDirectory: string;
  readonly configPath: string;
  readonly weightsPath: string;
}

export interface AdapterFileBytes {
  readonly config: Uint8Array;
  readonly weights: Uint8Array;
  /** `torch` for older peft's `adapter_model.bin` (read when no safetensors file is there). */
  readonly weightsFormat: 'safetensors' | 'torch';
}

/** How long a reader waits out a save in progress before calling the folder torn. */
const READ_ATTEMPTS = 8;
const FIRST_RETRY_MS = 5;

const PAIR_FILES = [ADAPTER_WEIGHTS_FILE, ADAPTER_CONFIG_FILE, COMMIT_RECORD_FILE];

async function readOptional(file: string, maxBytes: number): Promise<Uint8Array | undefined> {
  try {
    const stats = await fsp.stat(file);
    if (stats.size > maxBytes) return new Uint8Array(maxBytes + 1); // not a record: parseCommitRecord refuses it
    return await fsp.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const exists = (file: string) => fsp.access(file).then(() => true, () => false);

/**
 * Older peft wrote `adapter_model.bin` (torch.save) only. peftjs never writes
 * one, so such a folder has no record to check: the two files are read as they are.
 */
async function readTorchPair(files: AdapterFiles): Promise<AdapterFileBytes | undefined> {
  const picklePath = path.join(files.adapterDirectory, ADAPTER_PICKLE_WEIGHTS_FILE);
  if ((await exists(files.weightsPath)) || !(await exists(picklePath))) return undefined;
  const config = await readFileOrNotFound(files.configPath, 'adapter config');
  return { config, weights: await readFileOrNotFound(picklePath, 'adapter weights'), weightsFormat: 'torch' };
}

/** Backups of `target` in the folder, newest first. */
async function backupsOf(folder: string, target: string): Promise<string[]> {
  const backups = (await writerFiles(folder)).filter((file) => file.kind === 'bak' && file.target === target).map((file) => file.name);
  const dated = await Promise.all(
    backups.map(async (name) => ({ file: path.join(folder, name), time: await fsp.lstat(path.join(folder, name)).then((s) => s.mtimeMs, () => 0) })),
  );
  return dated.sort((a, b) => b.time - a.time).map((entry) => entry.file);
}

/** A backup of the stale file that completes the pair the record names, if one is left. */
async function findBackup(files: AdapterFiles, record: CommitRecord, stale: 'config' | 'weights'): Promise<{ file: string; bytes: Uint8Array } | undefined> {
  const target = stale === 'config' ? ADAPTER_CONFIG_FILE : ADAPTER_WEIGHTS_FILE;
  const wanted = stale === 'config' ? record.configSha256 : record.weightsSha256;
  for (const file of await backupsOf(files.adapterDirectory, target)) {
    const bytes = await fsp.readFile(file).catch(() => undefined); // a live writer may remove it meanwhile
    if (bytes !== undefined && (await sha256Hex(bytes)) === wanted) return { file, bytes };
  }
  return undefined;
}

/**
 * The config and weights of one save, never a mix of two. Reads record, config,
 * weights, record again; a record that changed meanwhile means a save finished
 * during the read, so it reads again. A torn pair is completed from the backup
 * the interrupted (or running) save left, or read again after a short wait;
 * if it stays torn, an AdapterFormatError `TORN_ADAPTER`. Folders without a
 * record (written by Python peft) are read as they are.
 */
export async function readAdapterFileBytes(files: AdapterFiles): Promise<AdapterFileBytes> {
  const torch = await readTorchPair(files);
  if (torch !== undefined) return torch;
  const recordPath = path.join(files.adapterDirectory, COMMIT_RECORD_FILE);
  let torn: 'config' | 'weights' = 'weights';
  for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, FIRST_RETRY_MS * 2 ** attempt));
    const recordBefore = await readOptional(recordPath, MAX_COMMIT_RECORD_BYTES);
    const config = await readFileOrNotFound(files.configPath, 'adapter config');
    const weights = await readFileOrNotFound(files.weightsPath, 'adapter weights');
    const recordAfter = await readOptional(recordPath, MAX_COMMIT_RECORD_BYTES);
    if (!sameBytes(recordBefore, recordAfter)) continue;
    const record = recordBefore === undefined ? undefined : parseCommitRecord(recordBefore);
    const whole = { config, weights, weightsFormat: 'safetensors' } as const;
    if (record === undefined) return whole;
    const check = await checkPair(record, config, weights);
    if (check.state !== 'torn') return whole;
    torn = check.stale!;
    const backup = await findBackup(files, record, torn);
    if (backup !== undefined) return torn === 'config' ? { ...whole, config: backup.bytes } : { ...whole, weights: backup.bytes };
    // No save of ours at work (its files would be here), and none finished meanwhile (the record would differ).
    if (!(await hasWriterFiles(files.adapterDirectory)) && sameBytes(await readOptional(recordPath, MAX_COMMIT_RECORD_BYTES), recordBefore)) {
      return whole;
    }
  }
  throw new AdapterFormatError('TORN_ADAPTER', describeTornPair(files.adapterDirectory, torn));
}

/** The temporary and backup files writers (live or dead) have beside this adapter's files. */
async function writerFiles(folder: string): Promise<Array<{ name: string; target: string; kind: 'tmp' | 'bak'; host: string; pid: number }>> {
  const names = await fsp.readdir(folder).catch(() => [] as string[]);
  return names.flatMap((name) => {
    const parsed = parseWriterFile(name);
    return parsed !== undefined && PAIR_FILES.includes(parsed.target) ? [{ name, ...parsed }] : [];
  });
}

async function hasWriterFiles(folder: string): Promise<boolean> {
  return (await writerFiles(folder)).length > 0;
}

/** Whether a writer of this host that is provably dead left files here (without the lock, only those count). */
async function hasDeadWritersFiles(folder: string): Promise<boolean> {
  return (await writerFiles(folder)).some((file) => file.host === HOST_TAG && !isProcessAlive(file.pid));
}

/**
 * Under the folder's lock: first mends a pair a killed save tore (puts the
 * backup that completes the recorded pair back in place), then removes every
 * temporary and backup file dead writers left. Safe at any time: it never
 * removes the backup a reader still needs before the pair is whole again, and
 * a pair it cannot mend keeps its writer files, so readers keep refusing it
 * rather than take it for another tool's edit.
 */
export async function tidyAdapterFolder(files: AdapterFiles): Promise<void> {
  // Under the lock every writer file is a dead writer's. Without any there is nothing to
  // remove, and nothing to mend with (a torn pair without them is another tool's edit):
  // so an ordinary save reads and hashes nothing here.
  const dead = await writerFiles(files.adapterDirectory);
  if (dead.length === 0) return;
  const recordBytes = await readOptional(path.join(files.adapterDirectory, COMMIT_RECORD_FILE), MAX_COMMIT_RECORD_BYTES);
  const record = recordBytes === undefined ? undefined : parseCommitRecord(recordBytes);
  let unmendable = false;
  if (record !== undefined) {
    const [config, weights] = await Promise.all([readOptional(files.configPath, Infinity), readOptional(files.weightsPath, Infinity)]);
    if (config !== undefined && weights !== undefined) {
      const check = await checkPair(record, config, weights);
      if (check.state === 'torn') {
        const backup = await findBackup(files, record, check.stale!);
        if (backup !== undefined) await fsp.rename(backup.file, check.stale === 'config' ? files.configPath : files.weightsPath);
        else unmendable = true;
      }
    }
  }
  for (const { name, kind } of dead) {
    if (unmendable && kind === 'bak') continue;
    await fsp.unlink(path.join(files.adapterDirectory, name)).catch(() => undefined);
  }
}

/**
 * What a load does for the folder: if dead writers left files, take the lock
 * without waiting and tidy. A folder being written, or one this process may not
 * write (read-only media), is left alone: reading does not depend on it.
 */
export async function tidyAfterDeadWriters(files: AdapterFiles): Promise<void> {
  if (!(await hasDeadWritersFiles(files.adapterDirectory))) return;
  let lock;
  try {
    lock = await tryAcquireFolderLock(files.adapterDirectory);
  } catch {
    return; // EACCES, EROFS, ...: not ours to tidy
  }
  if (lock === undefined) return;
  try {
    await tidyAdapterFolder(files);
  } finally {
    await lock.release();
  }
}
