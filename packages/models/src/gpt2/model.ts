/** GPT2Model: token and position embeddings, the blocks `h.N`, and the final norm `ln_f`. */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Embedding, LayerNorm, Module, ModuleDict } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { attentionBias } from '../transformer/attention';
import { embedTokens, positionIdsOf, resolveShape } from '../transformer/inputs';
import { tidyOutput } from '../transformer/tidy-output';
import type { AttentionInput, AttentionOutput, BaseModelOutput, KeyValue, TransformerInput } from '../transformer/types';
import { GPT2Block } from './block';
import type { GPT2Config } from './config';

export class GPT2Model extends Module<TransformerInput, BaseModelOutput> {
  constructor(readonly config: GPT2Config) {
    super();
    this.addModule('wte', new Embedding(config.vocabSize, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('wpe', new Embedding(config.maxPositions, config.hiddenSize, { initStd: 0.02 }));
    this.addModule('drop', new Dropout(config.embdDropout));
    const blocks = this.addModule('h', new ModuleDict());
    for (let i = 0; i < config.numLayers; i++) blocks.set(String(i), new GPT2Block(config, i));
    this.addModule('ln_f', new LayerNorm(config.hiddenSize, { eps: config.layerNormEps }));
  }

  /** The token embedding `wte` (what soft prompts are initialised from and prepended to). */
  getInputEmbeddings(): TensorModule {
    return this.getSubmodule('wte') as TensorModule;
  }

  forward(input: TransformerInput): BaseModelOutput {
    const shape = resolveShape(input, this.config);
    return tidyOutput(() => {
      const sub = (name: string) => this.getSubmodule(name) as TensorModule;
      const positions = positionIdsOf(input, shape, this.config.maxPositions);
      let hidden = sub('drop').call(tf.add(embedTokens(input, this.config.vocabSize, this.getInputEmbeddings()), sub('wpe').call(positions)));
      const bias = attentionBias({
        batch: shape.batch,
        queryLength: shape.seq,
        keyLength: shape.pastLength + shape.seq,
        attentionMask: input.attentionMask,
        causal: true,
      });
      const useCache = input.useCache ?? false;
      const presents: KeyValue[] = [];
      const hiddenStates: tf.Tensor[] = [];
      for (let i = 0; i < this.config.numLayers; i++) {
        if (input.outputHiddenStates) hiddenStates.push(hidden);
        const block = this.getSubmodule(`h.${i}`) as unknown as Module<AttentionInput, AttentionOutput>;
        const out = block.call({ hiddenStates: hidden, bias, past: input.pastKeyValues?.[i], useCache });
        hidden = out.hiddenStates;
        if (out.present) presents.push(out.present);
      }
      const last = sub('ln_f').call(hidden);
      if (input.outputHiddenStates) hiddenStates.push(last);
      return {
        lastHiddenState: last,
        pastKeyValues: useCache ? presents : undefined,
        hiddenStates: input.outputHiddenStates ? hiddenStates : undefined,
      };
    });
  }
}
