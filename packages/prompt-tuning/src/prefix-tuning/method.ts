/** Prefix tuning (Li and Liang, 2021) as a core PEFT method: trained keys and values before every layer's own. */
import type { PeftMethod } from '@peftjs/core';
import { completeConfig, fillEncoderHiddenSize } from '../shared/config';
import { keyValuePrefixTransform } from '../shared/key-value-prefix';
import { promptLearningComputedFileTensors, promptLearningFileName, PROMPT_ENCODER_COLLECTION } from '../shared/method-parts';
import { transformerDims } from '../shared/model';
import { optionsOf, type PromptLearningOptions } from '../shared/options';
import { PREFIX_TUNING, prefixTuningConfigSchema, type PrefixTuningConfig } from './config';
import { PrefixEncoder } from './encoder';

export const prefixTuningMethod: PeftMethod<PrefixTuningConfig> = {
  peftType: PREFIX_TUNING,
  schema: prefixTuningConfigSchema,
  tensorKeyPrefixes: [],
  mergeable: false,
  inject({ model, config, addRootModule, setForwardTransform }) {
    // The model takes pastKeyValues laid out by these dims: a model without them has no key/value input to fill.
    const dims = transformerDims(model, PREFIX_TUNING);
    const count = completeConfig(config, dims, { keyValueLayout: true });
    const hidden = fillEncoderHiddenSize(config);
    // peft builds the MLP only for training; in inference mode the table holds the folded prefix.
    const projectionHidden = config.prefix_projection && !config.inference_mode ? hidden : undefined;
    const options = optionsOf<PromptLearningOptions>(config) ?? {};
    const encoder = new PrefixEncoder({ virtualTokens: count, numLayers: dims.numLayers, tokenDim: config.token_dim!, projectionHidden }, options.rng);
    addRootModule(PROMPT_ENCODER_COLLECTION, encoder);
    setForwardTransform(keyValuePrefixTransform(PREFIX_TUNING, encoder, dims));
  },
  fileName: promptLearningFileName,
  computedFileTensors: promptLearningComputedFileTensors,
};
