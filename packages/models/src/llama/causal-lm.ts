/** LlamaForCausalLM: LlamaModel under `model`, and `lm_head`, tied to `model.embed_tokens` when the config says so. */
import { Linear, Module, type Embedding } from '@peftjs/core';
import { generate, type GenerateOptions, type TokenRows } from '../gpt2/generate';
import { TiedLinear } from '../layers/tied-linear';
import type { TensorModule } from '../layers/tensor-module';
import { tidyOutput } from '../transformer/tidy-output';
import type { LogitsOutput, TransformerInput } from '../transformer/types';
import type { LlamaConfig } from './config';
import { LlamaModel } from './model';

export class LlamaForCausalLM extends Module<TransformerInput, LogitsOutput> {
  constructor(readonly config: LlamaConfig) {
    super();
    const model = this.addModule('model', new LlamaModel(config));
    const embedding = model.getSubmodule('embed_tokens') as Embedding;
    this.addModule('lm_head', config.tieWordEmbeddings ? new TiedLinear(embedding.weight) : new Linear(config.hiddenSize, config.vocabSize, { bias: false }));
  }

  get model(): LlamaModel {
    return this.getSubmodule('model') as unknown as LlamaModel;
  }

  getInputEmbeddings(): TensorModule {
    return this.model.getInputEmbeddings();
  }

  /** The output head: LoRA treats it as the head it is, not as another projection. */
  getOutputEmbeddings(): TensorModule {
    return this.getSubmodule('lm_head') as TensorModule;
  }

  /** logits [batch, seq, vocabSize]. */
  forward(input: TransformerInput): LogitsOutput {
    return tidyOutput(() => {
      const { lastHiddenState, pastKeyValues, hiddenStates } = this.model.call(input);
      const logits = (this.getSubmodule('lm_head') as TensorModule).call(lastHiddenState);
      return { logits, pastKeyValues, hiddenStates };
    });
  }

  /** Greedy or sampled continuation of each row; see `generate`. */
  generate(inputIds: TokenRows, options: GenerateOptions): number[][] {
    return generate(this, inputIds, options);
  }
}
