/** What the `load*` functions take (config.json and model.safetensors) and give (the model and a load report). */
import type { Module } from '@peftjs/core';
import type { JsonObject } from '../transformer/config-fields';
import { loadCheckpoint, type CheckpointNaming, type CheckpointReport, type CheckpointWeights, type LoadCheckpointOptions } from './checkpoint';

export interface PretrainedFiles extends LoadCheckpointOptions {
  /** config.json, as text or parsed. */
  readonly config: string | JsonObject;
  /** model.safetensors bytes, or its tensors by name (not disposed: the caller owns them). */
  readonly weights: CheckpointWeights;
}

export interface Pretrained<M> {
  /** In eval mode (dropout off), as `from_pretrained` returns models. */
  readonly model: M;
  readonly report: CheckpointReport;
}

/** Builds the model from the config, loads the weights, and disposes the model if loading fails. */
export function buildAndLoad<M extends Module<never, unknown>>(
  build: () => M,
  files: PretrainedFiles,
  naming: CheckpointNaming,
): Pretrained<M> {
  const model = build();
  try {
    const report = loadCheckpoint(model, files.weights, naming, files);
    return { model: model.eval(), report };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
