/**
 * Training checkpoints: everything needed to continue a run as if it had never
 * stopped. A checkpoint directory holds
 *
 * - `trainable_parameters.safetensors`: the trainable parameters by dotted path
 *   (frozen ones come from rebuilding the base model, so they are not copied);
 * - `optimizer.safetensors`: optimiser slots, named `<path>.<slot>` (`fc.weight.exp_avg`);
 * - `best_parameters.safetensors` (early stopping with restoreBest, once it has a best);
 * - `trainer_state.json`: step, epoch and position in the epoch, schedule,
 *   optimiser step counts and hyperparameters, RNG states, early-stopping
 *   state and the history so far.
 *
 * Files are written through temporary names and renamed, the JSON last, and
 * every file carries the id of its save: a reader never mixes two saves, even
 * after a crash between renames.
 *
 * Node only: in the browser build of @peftjs/core the file system is absent
 * (io/file-system.ts) and these functions reject with FileSystemUnavailableError.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, encodeSafetensors } from '../io/index';
import type { EarlyStoppingState } from './early-stopping';
import { fileSystem } from '../io/file-system';
import { CheckpointError } from './errors';
import type { OptimizerState } from './optimizer';
import type { TrainingHistory } from './types';

export const CHECKPOINT_FILES = {
  parameters: 'trainable_parameters.safetensors',
  optimizer: 'optimizer.safetensors',
  bestParameters: 'best_parameters.safetensors',
  state: 'trainer_state.json',
} as const;

const FORMAT = 'peftjs-training-checkpoint';
const VERSION = 1;
const ID_KEY = 'peftjs_checkpoint_id';

/** The loop's position and bookkeeping: the JSON part of a checkpoint. */
export interface TrainerProgress {
  /** Optimiser steps taken. */
  readonly step: number;
  /** The epoch to continue in (0-based) and how many of its batches were already used. */
  readonly epoch: number;
  readonly batchInEpoch: number;
  readonly learningRate: number;
  readonly schedule: Readonly<Record<string, string | number>>;
  readonly rng: {
    /** `defaultGenerator().getState()`: dropout and other module randomness. */
    readonly default: readonly number[];
    /** The data generator's state at the start of `epoch` (it shuffles and is handed to data functions). */
    readonly data: readonly number[];
    /** Extra generators the caller asked to save, by name. */
    readonly generators: Readonly<Record<string, readonly number[]>>;
  };
  /** Running sum and count of step losses in `epoch`, for its mean. */
  readonly epochLoss: { readonly sum: number; readonly steps: number };
  readonly earlyStopping?: EarlyStoppingState;
  /** The per-step and per-evaluation records so far, which a resumed run continues. */
  readonly history: Pick<TrainingHistory, 'steps' | 'losses' | 'learningRates' | 'gradNorms' | 'epochs' | 'evaluations'>;
}

export interface CheckpointContents {
  /** Trainable parameters by path. Read, not disposed. */
  readonly parameters: Readonly<Record<string, tf.Tensor>>;
  readonly optimizer: OptimizerState;
  readonly bestParameters?: Readonly<Record<string, tf.Tensor>>;
  readonly progress: TrainerProgress;
}

export interface LoadedCheckpoint {
  readonly directory: string;
  /** The caller owns every tensor below (see `dispose`). */
  readonly parameters: Record<string, tf.Tensor>;
  readonly optimizer: OptimizerState;
  readonly bestParameters?: Record<string, tf.Tensor>;
  readonly progress: TrainerProgress;
  dispose(): void;
}

interface TrainerStateFile {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly id: string;
  readonly savedAt: string;
  readonly files: string[];
  readonly optimizer: { readonly name: string; readonly config: Readonly<Record<string, number | boolean>>; readonly steps: Record<string, number> };
  readonly progress: TrainerProgress;
}


/** Writes one checkpoint into `directory` (created if needed; an earlier checkpoint there is replaced whole). */
export async function saveCheckpoint(directory: string, contents: CheckpointContents): Promise<void> {
  const { fs, path, io } = await fileSystem('saveCheckpoint');
  const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  const metadata = { [ID_KEY]: id };
  const slots: Record<string, tf.Tensor> = {};
  const steps: Record<string, number> = {};
  for (const [name, entry] of Object.entries(contents.optimizer.parameters)) {
    steps[name] = entry.step;
    for (const [slot, tensor] of Object.entries(entry.slots)) slots[`${name}.${slot}`] = tensor;
  }
  // Encoded before anything is written, so a bad tensor fails with the directory untouched.
  const files: Array<{ name: string; data: Uint8Array | string }> = [
    { name: CHECKPOINT_FILES.parameters, data: encodeSafetensors(contents.parameters, { metadata }) },
    { name: CHECKPOINT_FILES.optimizer, data: encodeSafetensors(slots, { metadata }) },
  ];
  if (contents.bestParameters !== undefined) {
    files.push({ name: CHECKPOINT_FILES.bestParameters, data: encodeSafetensors(contents.bestParameters, { metadata }) });
  }
  const state: TrainerStateFile = {
    format: FORMAT,
    version: VERSION,
    id,
    savedAt: new Date().toISOString(),
    files: files.map((f) => f.name),
    optimizer: { name: contents.optimizer.name, config: contents.optimizer.config, steps },
    progress: contents.progress,
  };
  // The JSON goes last: it is what readers look for, and it names the files of this save.
  files.push({ name: CHECKPOINT_FILES.state, data: `${JSON.stringify(state, null, 2)}\n` });
  await fs.mkdir(directory, { recursive: true });
  await io.writeFilesAtomically(files.map((f) => ({ path: path.join(directory, f.name), data: f.data })));
}

/** Reads a checkpoint written by `saveCheckpoint`. Typed errors for a missing, foreign or torn one. */
export async function loadCheckpoint(directory: string): Promise<LoadedCheckpoint> {
  const { fs, path } = await fileSystem('loadCheckpoint');
  const read = async (name: string): Promise<Uint8Array> => {
    try {
      return await fs.readFile(path.join(directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CheckpointError(directory, `expected a file ${name}, found none`);
      throw error;
    }
  };
  const state = parseState(directory, new TextDecoder().decode(await read(CHECKPOINT_FILES.state)));
  const owned: tf.Tensor[] = [];
  const decode = async (name: string): Promise<Record<string, tf.Tensor>> => {
    const decoded = decodeSafetensors(await read(name));
    owned.push(...Object.values(decoded.tensors));
    if (decoded.metadata[ID_KEY] !== state.id) {
      throw new CheckpointError(directory, `${name} belongs to save ${decoded.metadata[ID_KEY] ?? '(none)'}, expected ${state.id} (a save was interrupted?)`);
    }
    return decoded.tensors;
  };
  try {
    const parameters = await decode(CHECKPOINT_FILES.parameters);
    const slotTensors = await decode(CHECKPOINT_FILES.optimizer);
    const bestParameters = state.files.includes(CHECKPOINT_FILES.bestParameters) ? await decode(CHECKPOINT_FILES.bestParameters) : undefined;
    const optimizerParameters: Record<string, { step: number; slots: Record<string, tf.Tensor> }> = {};
    for (const [name, step] of Object.entries(state.optimizer.steps)) optimizerParameters[name] = { step, slots: {} };
    for (const [key, tensor] of Object.entries(slotTensors)) {
      const dot = key.lastIndexOf('.');
      const entry = optimizerParameters[key.slice(0, dot)];
      if (dot < 0 || entry === undefined) throw new CheckpointError(directory, `optimizer tensor '${key}' belongs to no parameter listed in ${CHECKPOINT_FILES.state}`);
      entry.slots[key.slice(dot + 1)] = tensor;
    }
    return {
      directory,
      parameters,
      bestParameters,
      optimizer: { name: state.optimizer.name, config: state.optimizer.config, parameters: optimizerParameters },
      progress: state.progress,
      dispose: () => {
        for (const tensor of owned) tensor.dispose();
      },
    };
  } catch (error) {
    for (const tensor of owned) tensor.dispose();
    throw error;
  }
}

function parseState(directory: string, text: string): TrainerStateFile {
  let state: Partial<TrainerStateFile>;
  try {
    state = JSON.parse(text) as Partial<TrainerStateFile>;
  } catch {
    throw new CheckpointError(directory, `${CHECKPOINT_FILES.state} is not valid JSON`);
  }
  if (state === null || typeof state !== 'object' || state.format !== FORMAT) {
    throw new CheckpointError(directory, `expected ${CHECKPOINT_FILES.state} with format '${FORMAT}', found ${JSON.stringify((state as { format?: unknown } | null)?.format)}`);
  }
  if (state.version !== VERSION) throw new CheckpointError(directory, `expected checkpoint format version ${VERSION}, found ${state.version}`);
  const progress = state.progress;
  if (
    typeof state.id !== 'string' ||
    !Array.isArray(state.files) ||
    typeof state.optimizer?.name !== 'string' ||
    typeof state.optimizer.steps !== 'object' ||
    typeof progress?.step !== 'number' ||
    typeof progress.epoch !== 'number' ||
    typeof progress.batchInEpoch !== 'number' ||
    !Array.isArray(progress.rng?.default) ||
    !Array.isArray(progress.rng.data) ||
    typeof progress.epochLoss?.sum !== 'number' ||
    !(['steps', 'losses', 'learningRates', 'gradNorms', 'epochs', 'evaluations'] as const).every((key) => Array.isArray(progress.history?.[key]))
  ) {
    throw new CheckpointError(directory, `${CHECKPOINT_FILES.state} lacks fields a checkpoint needs (id, files, optimizer, progress)`);
  }
  return state as TrainerStateFile;
}

const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;

/** The sub-directory name `train` saves step `step` under, as Hugging Face's Trainer does. */
export function checkpointDirectoryName(step: number): string {
  return `checkpoint-${step}`;
}

/** Complete checkpoints (`checkpoint-<step>` with a state file) under `root`, oldest first. */
export async function listCheckpoints(root: string): Promise<Array<{ step: number; directory: string }>> {
  const { fs, path } = await fileSystem('listCheckpoints');
  let names: string[];
  try {
    names = await fs.readdir(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: Array<{ step: number; directory: string }> = [];
  for (const name of names) {
    const match = CHECKPOINT_DIR.exec(name);
    if (match === null) continue;
    const directory = path.join(root, name);
    const complete = await fs.access(path.join(directory, CHECKPOINT_FILES.state)).then(
      () => true,
      () => false,
    );
    if (complete) found.push({ step: Number(match[1]), directory });
  }
  return found.sort((a, b) => a.step - b.step);
}

/** `location` itself when it is a checkpoint, else its newest `checkpoint-<step>`; a typed error when there is none. */
export async function resolveCheckpoint(location: string): Promise<string> {
  const { fs, path } = await fileSystem('resolveCheckpoint');
  const direct = await fs.access(path.join(location, CHECKPOINT_FILES.state)).then(
    () => true,
    () => false,
  );
  if (direct) return location;
  const all = await listCheckpoints(location);
  if (all.length === 0) throw new CheckpointError(location, `expected ${CHECKPOINT_FILES.state} or checkpoint-<step> sub-directories, found neither`);
  return all[all.length - 1].directory;
}

/** Deletes all but the newest `keep` checkpoints under `root`. */
export async function pruneCheckpoints(root: string, keep: number): Promise<void> {
  const { fs } = await fileSystem('pruneCheckpoints');
  const all = await listCheckpoints(root);
  for (const { directory } of all.slice(0, Math.max(0, all.length - keep))) await fs.rm(directory, { recursive: true, force: true });
}
