/** GPT2LMHeadModel: GPT2Model under `transformer`, and `lm_head` tied to `transformer.wte`. */
import { Module, type Embedding } from '@peftjs/core';
import { TiedLinear } from '../layers/tied-linear';
import type { TensorModule } from '../layers/tensor-module';
import { tidyOutput } from '../transformer/tidy-output';
import type { LogitsOutput, TransformerInput } from '../transformer/types';
import type { GPT2Config } from './config';
import { generate, type GenerateOptions, type TokenRows } from './generate';
import { GPT2Model } from './model';

export class GPT2LMHeadModel extends Module<TransformerInput, LogitsOutput> {
  constructor(readonly config: GPT2Config) {
    super();
    const transformer = this.addModule('transformer', new GPT2Model(config));
    this.addModule('lm_head', new TiedLinear((transformer.getSubmodule('wte') as Embedding).weight));
  }

  get transformer(): GPT2Model {
    return this.getSubmodule('transformer') as unknown as GPT2Model;
  }

  getInputEmbeddings(): TensorModule {
    return this.transformer.getInputEmbeddings();
  }

  /** logits [batch, seq, vocabSize]. */
  forward(input: TransformerInput): LogitsOutput {
    return tidyOutput(() => {
      const { lastHiddenState, pastKeyValues, hiddenStates } = this.transformer.call(input);
      const logits = (this.getSubmodule('lm_head') as TensorModule).call(lastHiddenState);
      return { logits, pastKeyValues, hiddenStates };
    });
  }

  /** Greedy or sampled continuation of each row; see `generate`. */
  generate(inputIds: TokenRows, options: GenerateOptions): number[][] {
    return generate(this, inputIds, options);
  }
}
