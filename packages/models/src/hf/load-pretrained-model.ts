/**
 * A Hugging Face checkpoint from a folder or a URL: `config.json`, then the
 * weights, one `model.safetensors` or shards listed in
 * `model.safetensors.index.json`. The weights are streamed: every shard's
 * header is read and every name and shape checked before any weight is read,
 * then each shard is read, decoded, copied into the model and freed before
 * the next, so the peak stays near the model's own size plus one shard.
 *
 * A load that fails disposes the model it built: nothing is left behind.
 */
import { decodeSafetensors, type Module } from '@peftjs/core';
import { CheckpointSourceError } from '../errors';
import { configObject, type JsonObject } from '../transformer/config-fields';
import { architectureOf } from './architectures';
import { checkShape, planCheckpoint, type CheckpointReport, type LoadCheckpointOptions } from './checkpoint';
import { resolveCheckpointSource, type CheckpointSource, type UrlSourceOptions } from './checkpoint-source';
import { parseShardIndex, SHARD_INDEX_FILE, SINGLE_WEIGHTS_FILE } from './shard-index';

export const CONFIG_FILE = 'config.json';
/** A config.json is a few kB. */
export const MAX_CONFIG_BYTES = 1 << 20;
/** An index lists every tensor name once: tens of MB would be a million tensors. */
export const MAX_INDEX_BYTES = 32 << 20;
/** Default bound per weights file: Hugging Face writes shards of at most 5 GB; a Uint8Array holds up to 4 GiB here. */
export const DEFAULT_MAX_SHARD_BYTES = 2 ** 32 - 1;

export interface LoadProgress {
  /** The file just loaded, and how many of how many. */
  readonly file: string;
  readonly filesLoaded: number;
  readonly files: number;
}

export interface LoadPretrainedModelOptions extends LoadCheckpointOptions, UrlSourceOptions {
  /** Largest weights file read, in bytes (default 4 GiB - 1). */
  readonly maxShardBytes?: number;
  /** Called after each weights file is copied into the model. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

export interface LoadedPretrainedModel<M = Module<never, unknown>> {
  /** In eval mode, as `from_pretrained` returns models. */
  readonly model: M;
  readonly report: CheckpointReport;
  /** The parsed config.json. */
  readonly config: JsonObject;
  /** The weights files read, in order. */
  readonly files: readonly string[];
}

async function readConfig(source: CheckpointSource): Promise<JsonObject> {
  const bytes = await source.readBytes(CONFIG_FILE, MAX_CONFIG_BYTES);
  if (bytes === undefined) throw new CheckpointSourceError('NOT_FOUND', `${source.location}/${CONFIG_FILE}`, 'expected the model config beside the weights');
  return configObject(new TextDecoder('utf-8', { fatal: false }).decode(bytes));
}

/** The weights files and which tensors each holds, from the index when there is one. */
async function weightFiles(source: CheckpointSource): Promise<ReadonlyMap<string, ReadonlySet<string> | undefined>> {
  const index = await source.readBytes(SHARD_INDEX_FILE, MAX_INDEX_BYTES);
  if (index === undefined) return new Map([[SINGLE_WEIGHTS_FILE, undefined]]);
  return parseShardIndex(new TextDecoder().decode(index), `${source.location}/${SHARD_INDEX_FILE}`);
}

/**
 * Builds the architecture `config.json` names and loads its weights from
 * `source` (a folder path in Node, an http(s) URL anywhere, or a
 * CheckpointSource), shard by shard.
 */
export async function loadPretrainedModel(source: string | URL | CheckpointSource, options: LoadPretrainedModelOptions = {}): Promise<LoadedPretrainedModel> {
  const from = resolveCheckpointSource(source, options);
  const maxShardBytes = options.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  const config = await readConfig(from);
  const { build, naming } = architectureOf(config);
  const files = await weightFiles(from);

  // Headers first: every name and shape of every file, checked against the index and the model, before any weight.
  const headers = new Map<string, Map<string, readonly number[]>>();
  const shapes = new Map<string, readonly number[]>();
  for (const [file, listed] of files) {
    const header = await from.readHeader(file, maxShardBytes);
    const inFile = new Map(header.tensors.map((t) => [t.name, t.shape] as const));
    for (const name of listed ?? new Set<string>()) {
      if (!inFile.has(name)) throw new CheckpointSourceError('INVALID_INDEX', `${from.location}/${file}`, `the index maps ${JSON.stringify(name.slice(0, 200))} to this file, which does not hold it`);
    }
    for (const [name, shape] of inFile) {
      // A tensor in a shard but not in the index: transformers reads by the index, so it is not part of the checkpoint.
      if (listed !== undefined && !listed.has(name)) continue;
      if (shapes.has(name)) throw new CheckpointSourceError('INVALID_INDEX', `${from.location}/${file}`, `tensor ${JSON.stringify(name.slice(0, 200))} is also in another file`);
      shapes.set(name, shape);
    }
    headers.set(file, inFile);
  }

  const model = build(config);
  try {
    const { assignments, report } = planCheckpoint(model, shapes, naming, options.strict ?? true);
    const byName = new Map([...assignments].map(([path, name]) => [name, path]));
    const parameters = new Map(model.namedParameters());
    let filesLoaded = 0;
    for (const file of files.keys()) {
      const wanted = [...headers.get(file)!.keys()].filter((name) => byName.has(name));
      if (wanted.length > 0) {
        const bytes = await from.readBytes(file, maxShardBytes);
        if (bytes === undefined) throw new CheckpointSourceError('NOT_FOUND', `${from.location}/${file}`, 'the file went away after its header was read');
        const { tensors } = decodeSafetensors(bytes);
        try {
          for (const name of wanted) {
            const path = byName.get(name)!;
            const tensor = tensors[name];
            // The file may have changed since its header was read: the shapes are checked again.
            if (tensor === undefined) throw new CheckpointSourceError('INVALID_INDEX', `${from.location}/${file}`, `tensor ${JSON.stringify(name.slice(0, 200))} is no longer in the file`);
            checkShape(name, path, parameters.get(path)!.shape, tensor.shape);
            parameters.get(path)!.assign(tensor);
          }
        } finally {
          for (const tensor of Object.values(tensors)) tensor.dispose();
        }
      }
      filesLoaded++;
      options.onProgress?.({ file, filesLoaded, files: files.size });
    }
    return { model: model.eval(), report, config, files: [...files.keys()] };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
