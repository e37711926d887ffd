/**
 * One writer at a time per adapter folder, across processes.
 *
 * Two saves into one folder at once would interleave their renames (weights of
 * one, config of the other). The lock is a file created exclusively (`wx`),
 * holding who took it. A lock whose owner is gone (a killed process on this
 * host, or one older than `staleAfterMs`, e.g. from another host) is broken, so
 * a kill never blocks the folder for good. Readers take no lock.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AdapterFolderBusyError } from '../errors';

export const LOCK_FILE = '.peftjs-lock';

/** A short, stable tag for this host: owners on other hosts cannot be probed for liveness. */
export const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

export interface FolderLockOptions {
  /** How long to wait for a live writer to finish. Default 30 s. */
  readonly timeoutMs?: number;
  /** A lock older than this is taken to be abandoned, wherever its owner ran. Default 10 min. */
  readonly staleAfterMs?: number;
}

export interface FolderLock {
  release(): Promise<void>;
}

interface LockOwner {
  readonly host: string;
  readonly pid: number;
  readonly id: string;
}

/** Whether process `pid` of this host still runs (EPERM: it runs, as another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(file: string): Promise<{ owner?: LockOwner; ageMs: number } | undefined> {
  try {
    const [text, stats] = await Promise.all([fsp.readFile(file, 'utf8'), fsp.lstat(file)]);
    const ageMs = Date.now() - stats.mtimeMs;
    try {
      const owner = JSON.parse(text.slice(0, 1024)) as LockOwner;
      if (typeof owner.host === 'string' && Number.isInteger(owner.pid) && typeof owner.id === 'string') return { owner, ageMs };
    } catch {
      // A lock being written right now, or garbage: judged by age alone.
    }
    return { ageMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isAbandoned(seen: { owner?: LockOwner; ageMs: number }, staleAfterMs: number): boolean {
  if (seen.ageMs > staleAfterMs) return true;
  const { owner } = seen;
  if (owner === undefined) return seen.ageMs > 5000;
  return owner.host === HOST_TAG && owner.pid !== process.pid && !isProcessAlive(owner.pid);
}

/**
 * Breaks an abandoned lock. It is first renamed aside (only one breaker can
 * move a given file), then checked to be the lock judged abandoned: if a new
 * owner's lock was moved instead, it is put back.
 */
async function breakLock(file: string, judged: LockOwner | undefined): Promise<void> {
  const aside = `${file}.broken-${randomBytes(4).toString('hex')}`;
  try {
    await fsp.rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readOwner(aside);
  if (judged !== undefined && moved?.owner !== undefined && moved.owner.id !== judged.id) {
    await fsp.link(aside, file).catch(() => undefined);
  }
  await fsp.unlink(aside).catch(() => undefined);
}

/** Takes the folder's writer lock, waiting (with backoff) while a live writer holds it. */
export async function acquireFolderLock(folder: string, options: FolderLockOptions = {}): Promise<FolderLock> {
  const lock = await tryAcquireFolderLock(folder, options, options.timeoutMs ?? 30_000);
  if (lock === undefined) throw new AdapterFolderBusyError(folder, options.timeoutMs ?? 30_000);
  return lock;
}

/** The lock, or undefined if a live writer still holds it after `waitMs`. */
export async function tryAcquireFolderLock(folder: string, options: FolderLockOptions = {}, waitMs = 0): Promise<FolderLock | undefined> {
  const file = path.join(folder, LOCK_FILE);
  const owner: LockOwner = { host: HOST_TAG, pid: process.pid, id: randomBytes(8).toString('hex') };
  const deadline = Date.now() + waitMs;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      const handle = await fsp.open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify(owner));
      } finally {
        await handle.close();
      }
      return { release: () => releaseLock(file, owner) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = await readOwner(file);
    if (seen !== undefined && isAbandoned(seen, options.staleAfterMs ?? 600_000)) {
      await breakLock(file, seen.owner);
      continue;
    }
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function releaseLock(file: string, owner: LockOwner): Promise<void> {
  const seen = await readOwner(file);
  // Only our own lock: if ours was broken as stale, the file is someone else's now.
  if (seen?.owner?.id === owner.id) await fsp.unlink(file).catch(() => undefined);
}
