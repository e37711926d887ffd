/** Prompt tuning (Lester et al., 2021) as a core PEFT method: n trained embeddings before the input's. */
import type { PeftMethod } from '@peftjs/core';
import { completeConfig } from '../shared/config';
import { promptLearningComputedFileTensors, promptLearningFileName, PROMPT_ENCODER_COLLECTION } from '../shared/method-parts';
import { requirePromptableModel } from '../shared/model';
import { optionsOf } from '../shared/options';
import { prependPromptTransform } from '../shared/prepend-prompt';
import { PROMPT_TUNING, promptTuningConfigSchema, type PromptTuningConfig, type PromptTuningOptions } from './config';
import { PromptEmbedding } from './encoder';
import { initialPrompt } from './init';

export const promptTuningMethod: PeftMethod<PromptTuningConfig> = {
  peftType: PROMPT_TUNING,
  schema: promptTuningConfigSchema,
  tensorKeyPrefixes: [],
  mergeable: false,
  inject({ model: base, config, addRootModule, setForwardTransform }) {
    const model = requirePromptableModel(base, PROMPT_TUNING);
    const count = completeConfig(config, model.config, { keyValueLayout: false });
    const options = optionsOf<PromptTuningOptions>(config) ?? {};
    // Initial values first: a failing TEXT init must leave nothing behind.
    const initial = initialPrompt(config, model, count, options);
    const encoder = new PromptEmbedding(count, config.token_dim!, options.rng);
    if (initial !== undefined) {
      encoder.embedding.weight.assign(initial);
      initial.dispose();
    }
    addRootModule(PROMPT_ENCODER_COLLECTION, encoder);
    setForwardTransform(prependPromptTransform(PROMPT_TUNING, encoder, model));
  },
  fileName: promptLearningFileName,
  computedFileTensors: promptLearningComputedFileTensors,
};
