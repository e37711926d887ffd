/**
 * A PeftModel as @peftjs/models' `generate` takes a model: `generate` reads
 * `config` (vocabulary, maxPositions, eos), which PeftModel does not carry.
 * The positions the active virtual tokens take are subtracted from
 * maxPositions, so generate's own length check stays right.
 */
import type { PeftModel } from '@peftjs/core';
import { findPromptEncoder } from './fold';
import { transformerDims, type TransformerDims } from './model';

export interface GenerationModel<In, Out> {
  readonly config: TransformerDims & { readonly eosTokenId?: number };
  call(input: In): Out;
}

export function generationModel<In, Out>(model: PeftModel<In, Out>): GenerationModel<In, Out> {
  const base = model.baseModel as unknown as { config: TransformerDims & { eosTokenId?: number } };
  const dims = transformerDims(model.baseModel as never, 'generationModel');
  const virtualTokens = model.activeAdapters.reduce((sum, name) => sum + (findPromptEncoder(model, name)?.rows ?? 0), 0);
  return {
    config: { ...base.config, maxPositions: dims.maxPositions - virtualTokens },
    call: (input) => model.call(input),
  };
}
