/** P-tuning (Liu et al., 2021) as a core PEFT method: virtual token embeddings from a trained prompt encoder. */
import type { PeftMethod } from '@peftjs/core';
import { completeConfig, fillEncoderHiddenSize } from '../shared/config';
import { promptLearningComputedFileTensors, promptLearningFileName, PROMPT_ENCODER_COLLECTION } from '../shared/method-parts';
import { requirePromptableModel } from '../shared/model';
import { optionsOf, type PromptLearningOptions } from '../shared/options';
import { prependPromptTransform } from '../shared/prepend-prompt';
import { P_TUNING, pTuningConfigSchema, type PTuningConfig } from './config';
import { PTuningEncoder } from './encoder';

export const pTuningMethod: PeftMethod<PTuningConfig> = {
  peftType: P_TUNING,
  schema: pTuningConfigSchema,
  tensorKeyPrefixes: [],
  mergeable: false,
  inject({ model: base, config, addRootModule, setForwardTransform }) {
    const model = requirePromptableModel(base, P_TUNING);
    const count = completeConfig(config, model.config, { keyValueLayout: false });
    const hiddenSize = fillEncoderHiddenSize(config);
    const network = config.inference_mode
      ? undefined
      : { type: config.encoder_reparameterization_type, hiddenSize, lstmLayers: config.encoder_num_layers, lstmDropout: config.encoder_dropout };
    const options = optionsOf<PromptLearningOptions>(config) ?? {};
    const encoder = new PTuningEncoder({ virtualTokens: count, tokenDim: config.token_dim!, network }, options.rng);
    addRootModule(PROMPT_ENCODER_COLLECTION, encoder);
    setForwardTransform(prependPromptTransform(P_TUNING, encoder, model));
  },
  fileName: promptLearningFileName,
  computedFileTensors: promptLearningComputedFileTensors,
};
