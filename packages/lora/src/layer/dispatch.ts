/**
 * Which LoRA layer wraps which base layer (peft's dispatchers): one entry per
 * supported base type. A target of any other type is an UnsupportedLayerError.
 */
import { Conv1D, Conv2D, Embedding, Linear, type AnyModule } from '@peftjs/core';
import { UnsupportedLayerError } from '../errors';
import { LoraConv2d } from './conv2d';
import { LoraEmbedding } from './embedding';
import { LoraLinear, type LinearBase } from './linear';
import type { LoraLayer } from './lora-layer';

interface BaseKind {
  matches(module: AnyModule): boolean;
  /** Counted by `target_modules: 'all-linear'`. */
  readonly linear: boolean;
  create(module: AnyModule): LoraLayer;
}

const KINDS: BaseKind[] = [
  {
    matches: (m) => m instanceof Linear,
    linear: true,
    create: (module) => new LoraLinear(module as unknown as LinearBase, false),
  },
  {
    matches: (m) => m instanceof Conv1D,
    linear: true,
    // GPT-2's layout, [in, out]: what peft's fan_in_fan_out means, whatever the config says.
    create: (module) => new LoraLinear(module as unknown as LinearBase, true),
  },
  {
    matches: (m) => m instanceof Embedding,
    linear: false,
    create: (module) => new LoraEmbedding(module as unknown as Embedding),
  },
  {
    matches: (m) => m instanceof Conv2D,
    linear: false,
    create: (module) => new LoraConv2d(module as unknown as Conv2D),
  },
];

function kindOf(module: AnyModule): BaseKind | undefined {
  return KINDS.find((kind) => kind.matches(module));
}

/** Throws UnsupportedLayerError unless LoRA can wrap `module`. */
export function assertSupported(module: AnyModule, path: string): void {
  if (kindOf(module) === undefined) throw new UnsupportedLayerError(path, module.constructor.name);
}

export function createLoraLayer(module: AnyModule, path: string): LoraLayer {
  const kind = kindOf(module);
  if (kind === undefined) throw new UnsupportedLayerError(path, module.constructor.name);
  return kind.create(module);
}

/** Linear and Conv1D layers, for 'all-linear'. */
export function isLinearLayer(module: AnyModule): boolean {
  return kindOf(module)?.linear ?? false;
}

export function isEmbeddingLayer(module: AnyModule): boolean {
  return module instanceof Embedding;
}
