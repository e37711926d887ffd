/**
 * Loading Hugging Face checkpoint tensors into a module tree by name: the part
 * every architecture shares. An architecture describes its names (the backbone
 * prefix base-model checkpoints omit, buffers to skip, heads that may be
 * missing); this resolves each tensor to a parameter, checks every shape before
 * writing anything, and reports what was loaded, skipped and left initialised.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors, type BinaryInput, type Module } from '@peftjs/core';
import { CheckpointKeysError, CheckpointShapeError } from '../errors';

/** Named tensors as a safetensors file holds them, or that file's bytes. */
export type CheckpointWeights = BinaryInput | Readonly<Record<string, tf.Tensor>>;

export interface CheckpointNaming {
  /** The backbone's module name in task models ('transformer.', 'bert.'), which base-model checkpoints leave out. */
  readonly backbonePrefix: string;
  /** Tensors that are not parameters here: buffers (GPT-2's `attn.bias`), heads of other tasks (BERT's `cls.*`). */
  readonly ignore: readonly RegExp[];
  /** Parameter paths a checkpoint may lack: task heads, which keep their fresh initialisation. */
  readonly optional: readonly RegExp[];
  /** Checkpoint names of tied copies (`lm_head.weight`), loaded through the parameter they are tied to. */
  readonly tied?: readonly string[];
  /** Renames of old checkpoints (BERT's LayerNorm `gamma`/`beta`). */
  readonly rename?: (name: string) => string;
}

export interface LoadCheckpointOptions {
  /** Refuse checkpoints with missing (non-optional) or unexpected tensors (default true). */
  readonly strict?: boolean;
}

export interface CheckpointReport {
  /** Parameter paths written from the checkpoint. */
  readonly loaded: string[];
  /** Parameter paths the checkpoint lacked; they keep their initialisation (task heads, or anything when not strict). */
  readonly newlyInitialized: string[];
  /** Checkpoint names skipped on purpose (buffers, tied copies, other tasks' heads). */
  readonly ignored: string[];
  /** Checkpoint names with no place in the model (only when not strict). */
  readonly unexpected: string[];
}

/** Copies checkpoint tensors into `model`'s parameters; nothing is written unless every check passes. */
export function loadCheckpoint(
  model: Module<never, unknown>,
  weights: CheckpointWeights,
  naming: CheckpointNaming,
  options: LoadCheckpointOptions = {},
): CheckpointReport {
  const owned = isBinary(weights);
  const tensors = owned ? decodeSafetensors(weights).tensors : weights;
  try {
    return loadTensors(model, tensors, naming, options.strict ?? true);
  } finally {
    if (owned) for (const tensor of Object.values(tensors)) tensor.dispose();
  }
}

function isBinary(weights: CheckpointWeights): weights is BinaryInput {
  return weights instanceof ArrayBuffer || ArrayBuffer.isView(weights);
}

/** Which parameter each checkpoint name goes to, after every key and shape check; writes nothing. */
export interface CheckpointPlan {
  /** parameter path -> checkpoint name. */
  readonly assignments: ReadonlyMap<string, string>;
  readonly report: CheckpointReport;
}

/**
 * Resolves checkpoint names (with their shapes, from tensors or from file
 * headers) to `model`'s parameters and checks keys and shapes, so that a
 * streamed load can refuse a bad checkpoint before reading any weight.
 */
export function planCheckpoint(model: Module<never, unknown>, shapes: ReadonlyMap<string, readonly number[]>, naming: CheckpointNaming, strict: boolean): CheckpointPlan {
  const parameters = new Map(model.namedParameters());
  const modelPrefix = [...parameters.keys()].some((path) => path.startsWith(naming.backbonePrefix)) ? naming.backbonePrefix : '';
  const assignments = new Map<string, string>(); // parameter path -> checkpoint name
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const name of shapes.keys()) {
    const renamed = naming.rename ? naming.rename(name) : name;
    const bare = renamed.startsWith(naming.backbonePrefix) ? renamed.slice(naming.backbonePrefix.length) : renamed;
    const path = [modelPrefix + bare, bare].find((candidate) => parameters.has(candidate) && !assignments.has(candidate));
    if (path !== undefined) assignments.set(path, name);
    else if (naming.tied?.includes(bare) || naming.ignore.some((pattern) => pattern.test(renamed))) ignored.push(name);
    else unexpected.push(name);
  }
  const absent = [...parameters.keys()].filter((path) => !assignments.has(path));
  const required = absent.filter((path) => !naming.optional.some((pattern) => pattern.test(path)));
  if (strict && (required.length > 0 || unexpected.length > 0)) throw new CheckpointKeysError(required, unexpected);
  for (const [path, name] of assignments) checkShape(name, path, parameters.get(path)!.shape, shapes.get(name)!);
  return { assignments, report: { loaded: [...assignments.keys()], newlyInitialized: absent, ignored, unexpected } };
}

export function checkShape(name: string, path: string, expected: readonly number[], found: readonly number[]): void {
  if (expected.length !== found.length || expected.some((d, i) => d !== found[i])) throw new CheckpointShapeError(name, path, [...expected], [...found]);
}

function loadTensors(model: Module<never, unknown>, tensors: Readonly<Record<string, tf.Tensor>>, naming: CheckpointNaming, strict: boolean): CheckpointReport {
  const shapes = new Map(Object.entries(tensors).map(([name, tensor]) => [name, tensor.shape]));
  const { assignments, report } = planCheckpoint(model, shapes, naming, strict);
  const parameters = new Map(model.namedParameters());
  for (const [path, name] of assignments) parameters.get(path)!.assign(tensors[name]);
  return report;
}
