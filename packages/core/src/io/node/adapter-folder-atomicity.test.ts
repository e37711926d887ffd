/**
 * An adapter folder is whole or absent, for writers and readers alike: kills
 * between renames, readers racing a writer in another process, files dead
 * writers leave, stale locks, symlinked sub-folders, and one file edited by
 * another tool. Writers run as real processes (test/fixtures/adapter-writer.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pairConfig, pairTensors } from '../../../test/fixtures/adapter-pairs';
import { AdapterFolderBusyError, AdapterFormatError, UnsafePathError } from '../errors';
import { COMMIT_RECORD_FILE } from '../peft/commit-record';
import { loadAdapter, saveAdapter } from './adapter-directory';
import { LOCK_FILE } from './folder-lock';

const WRITER = path.join(__dirname, '../../../test/fixtures/adapter-writer.ts');
// tsx as a loader in this very process: its CLI would run the script in a grandchild that a kill misses.
const TSX_LOADER = ['--import', 'tsx'];

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-atomic-'));
});
afterEach(async () => {
  await fsp.rm(dir, { recursive: true, force: true });
});

function startWriter(...args: string[]): ChildProcess {
  return spawn(process.execPath, [...TSX_LOADER, WRITER, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
}

/** Resolves once the writer printed `line` (or `count` lines matching it). */
function waitForOutput(child: ChildProcess, pattern: RegExp, count = 1): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      seen += lines.filter((line) => pattern.test(line)).length;
      if (seen >= count) resolve();
    });
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before printing ${pattern}`)));
  });
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Loads the folder and returns k if the pair is whole; throws on a torn pair. */
async function loadPair(folder = dir): Promise<number> {
  const loaded = await loadAdapter(folder);
  try {
    const alpha = loaded.config.lora_alpha as number;
    const values = loaded.tensors['base_model.model.q.lora_A.weight'].dataSync();
    const torn = values.some((v) => v !== alpha);
    if (torn) throw new Error(`torn pair loaded: config of save ${alpha}, weights of save ${values.find((v) => v !== alpha)}`);
    return alpha;
  } finally {
    tf.dispose(Object.values(loaded.tensors));
  }
}

async function strayFiles(folder = dir): Promise<string[]> {
  return (await fsp.readdir(folder)).filter((name) => /\.(tmp|bak)-/.test(name) || name === LOCK_FILE);
}

describe('adapter folders under kills and races', () => {
  it('a writer killed between the weights and the config renames leaves the previous pair readable, and the next save tidies', async () => {
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    const writer = startWriter('hang', dir, '2');
    await waitForOutput(writer, /^torn$/);
    await kill(writer);

    // On disk: weights of save 2 beside the config and record of save 1.
    const onDisk = await fsp.readFile(path.join(dir, 'adapter_config.json'), 'utf8');
    expect(JSON.parse(onDisk).lora_alpha).toBe(1);
    expect((await strayFiles()).length).toBeGreaterThan(0);

    // Before the fix this loaded save 2's weights under save 1's lora_alpha.
    expect(await loadPair()).toBe(1);
    // The load found a dead writer's files and mended the folder.
    expect(await strayFiles()).toEqual([]);
    expect(await loadPair()).toBe(1);

    await saveAdapter(dir, { config: pairConfig(3), tensors: pairTensors(3) });
    expect(await loadPair()).toBe(3);
    expect(await strayFiles()).toEqual([]);
  });

  it('readers racing a writer in another process never see a torn pair', async () => {
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    const writer = startWriter('loop', dir, '2');
    try {
      await waitForOutput(writer, /^saved/, 3);
      const seen = new Set<number>();
      for (let i = 0; i < 300; i++) seen.add(await loadPair());
      // The reads really overlapped many saves.
      expect(seen.size).toBeGreaterThan(3);
    } finally {
      await kill(writer);
    }
  });

  it('after each of 20 kills at random points the folder loads whole, and one save leaves no stray file', async () => {
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    let random = 12345;
    const next = () => (random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let last = 1;
    for (let kill_ = 0; kill_ < 20; kill_++) {
      const writer = startWriter('loop', dir, String(100 * (kill_ + 1)));
      await waitForOutput(writer, /^saved/);
      await new Promise((resolve) => setTimeout(resolve, next() * 40));
      await kill(writer);
      const k = await loadPair();
      expect(k).toBeGreaterThanOrEqual(last === 1 ? 1 : 100);
      last = k;
    }
    await saveAdapter(dir, { config: pairConfig(7), tensors: pairTensors(7) });
    expect(await strayFiles()).toEqual([]);
    expect(await loadPair()).toBe(7);
  });
});

describe('adapter folders and other writers', () => {
  it('read a pair whose one file another tool rewrote as it is, since no save of ours is at work', async () => {
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    const edited = JSON.stringify({ ...pairConfig(1), lora_dropout: 0.1 });
    await fsp.writeFile(path.join(dir, 'adapter_config.json'), edited);
    const loaded = await loadAdapter(dir);
    expect(loaded.config.lora_dropout).toBe(0.1);
    tf.dispose(Object.values(loaded.tensors));
  });

  it('refuse a torn pair that a save left without the backup that completes it', async () => {
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    const writer = startWriter('hang', dir, '2');
    await waitForOutput(writer, /^torn$/);
    await kill(writer);
    for (const name of await fsp.readdir(dir)) if (name.startsWith('.adapter_model.safetensors.bak-')) await fsp.unlink(path.join(dir, name));
    // The writer's other files stay: the pair is a save's doing, not another tool's.
    const error = await loadAdapter(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterFormatError);
    expect((error as AdapterFormatError).reason).toBe('TORN_ADAPTER');
    expect((error as Error).message).toMatch(/adapter_model\.safetensors comes from a different save/);
    // Saving again makes it whole.
    await saveAdapter(dir, { config: pairConfig(4), tensors: pairTensors(4) });
    expect(await loadPair()).toBe(4);
  });

  it('break a lock whose owner died, and wait for (then give up on) a live one', async () => {
    await fsp.writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ host: (await import('./folder-lock')).HOST_TAG, pid: 2 ** 22 + 17, id: 'dead' }));
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    expect(await loadPair()).toBe(1);

    // A live owner (this process, under another id) holds it: the save waits, then says who.
    await fsp.writeFile(path.join(dir, LOCK_FILE), JSON.stringify({ host: 'another', pid: process.pid, id: 'live' }));
    const error = await saveAdapter(dir, { config: pairConfig(2), tensors: pairTensors(2) }, { lock: { timeoutMs: 100 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterFolderBusyError);
    expect(await loadPair()).toBe(1);
    await fsp.unlink(path.join(dir, LOCK_FILE));
  });

  it('never write through a sub-folder that is a symbolic link', async () => {
    const victim = await fsp.mkdtemp(path.join(os.tmpdir(), 'peftjs-victim-'));
    try {
      await fsp.writeFile(path.join(victim, 'adapter_config.json'), 'precious');
      await fsp.symlink(victim, path.join(dir, 'task_b'));
      const error = await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1), adapterName: 'task_b' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsafePathError);
      expect((error as Error).message).toMatch(/symbolic link/);
      expect(await fsp.readdir(victim)).toEqual(['adapter_config.json']);
      expect(await fsp.readFile(path.join(victim, 'adapter_config.json'), 'utf8')).toBe('precious');
    } finally {
      await fsp.rm(victim, { recursive: true, force: true });
    }
  });

  it('keep the commit record beside peft\'s two files, which stay byte for byte what peft reads', async () => {
    await saveAdapter(dir, { config: pairConfig(1), tensors: pairTensors(1) });
    const record = JSON.parse(await fsp.readFile(path.join(dir, COMMIT_RECORD_FILE), 'utf8'));
    expect(Object.keys(record).sort()).toEqual(['config_sha256', 'format', 'weights_sha256']);
    const config = await fsp.readFile(path.join(dir, 'adapter_config.json'), 'utf8');
    expect(JSON.parse(config)).toEqual(pairConfig(1));
  });
});
