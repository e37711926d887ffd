/**
 * LlamaModel: `embed_tokens`, the decoder layers `layers.N`, and the final
 * `norm`, with Hugging Face's parameter names. Rotary tables are computed once
 * per call from the position ids and shared by every layer.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Embedding, Module, ModuleDict } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { embedTokens, positionIdsOf, resolveShape } from '../transformer/inputs';
import { tidyOutput } from '../transformer/tidy-output';
import type { AttentionOutput, BaseModelOutput, KeyValue, TransformerInput } from '../transformer/types';
import type { LlamaAttentionInput } from './attention';
import type { LlamaConfig } from './config';
import { LlamaDecoderLayer } from './layer';
import { decoderBias } from './mask';
import { RMSNorm } from './rms-norm';
import { ropeFrequencies, rotaryTables, type RopeFrequencies } from './rope';

export class LlamaModel extends Module<TransformerInput, BaseModelOutput> {
  private readonly frequencies: RopeFrequencies;

  constructor(readonly config: LlamaConfig) {
    super();
    this.addModule('embed_tokens', new Embedding(config.vocabSize, config.hiddenSize, { initStd: 0.02 }));
    const layers = this.addModule('layers', new ModuleDict());
    for (let i = 0; i < config.numLayers; i++) layers.set(String(i), new LlamaDecoderLayer(config));
    this.addModule('norm', new RMSNorm(config.hiddenSize, config.rmsNormEps, config.variant.normWeightOffset));
    this.frequencies = ropeFrequencies(config.headDim, config.ropeTheta, config.ropeScaling);
  }

  /** The token embedding `embed_tokens` (what soft prompts are initialised from and prepended to). */
  getInputEmbeddings(): TensorModule {
    return this.getSubmodule('embed_tokens') as TensorModule;
  }

  forward(input: TransformerInput): BaseModelOutput {
    const shape = resolveShape(input, this.config);
    return tidyOutput(() => {
      const positions = positionIdsOf(input, shape, this.config.maxPositions);
      let hidden = embedTokens(input, this.config.vocabSize, this.getInputEmbeddings());
      // Gemma scales every input embedding, soft prompts included, as its forward does with inputs_embeds.
      if (this.config.variant.scaleEmbeddings) hidden = tf.mul(hidden, Math.sqrt(this.config.hiddenSize));
      const bias = decoderBias({
        batch: shape.batch,
        queryLength: shape.seq,
        keyLength: shape.pastLength + shape.seq,
        attentionMask: input.attentionMask,
        slidingWindow: this.config.slidingWindow,
      });
      const rotary = rotaryTables(positions, this.frequencies);
      const useCache = input.useCache ?? false;
      const presents: KeyValue[] = [];
      const hiddenStates: tf.Tensor[] = [];
      for (let i = 0; i < this.config.numLayers; i++) {
        if (input.outputHiddenStates) hiddenStates.push(hidden);
        const layer = this.getSubmodule(`layers.${i}`) as unknown as Module<LlamaAttentionInput, AttentionOutput>;
        const out = layer.call({ hiddenStates: hidden, bias, past: input.pastKeyValues?.[i], useCache, rotary });
        hidden = out.hiddenStates;
        if (out.present) presents.push(out.present);
      }
      const last = (this.getSubmodule('norm') as TensorModule).call(hidden);
      if (input.outputHiddenStates) hiddenStates.push(last);
      return {
        lastHiddenState: last,
        pastKeyValues: useCache ? presents : undefined,
        hiddenStates: input.outputHiddenStates ? hiddenStates : undefined,
      };
    });
  }
}
