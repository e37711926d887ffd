/**
 * GPT-2 from Hugging Face files: `config.json` and `model.safetensors`, for
 * checkpoints of GPT2Model (names without `transformer.`), GPT2LMHeadModel and
 * GPT2ForSequenceClassification. Conv1D weights are stored [in, out] in the file
 * and in our Conv1D, so they load as they are.
 */
import { gpt2ConfigFromHF } from '../gpt2/config';
import { GPT2LMHeadModel } from '../gpt2/lm-head';
import { GPT2Model } from '../gpt2/model';
import { GPT2ForSequenceClassification } from '../gpt2/sequence-classification';
import type { CheckpointNaming } from './checkpoint';
import { buildAndLoad, type Pretrained, type PretrainedFiles } from './pretrained';

export const GPT2_CHECKPOINT_NAMING: CheckpointNaming = {
  backbonePrefix: 'transformer.',
  // The causal-mask buffers older transformers versions saved with every block, and
  // the classification head when a classifier checkpoint is loaded into another model.
  ignore: [/(^|\.)h\.\d+\.attn\.(bias|masked_bias)$/, /^score\./],
  optional: [/^score\./],
  tied: ['lm_head.weight'],
};

export function loadGPT2Model(files: PretrainedFiles): Pretrained<GPT2Model> {
  return buildAndLoad(() => new GPT2Model(gpt2ConfigFromHF(files.config)), files, GPT2_CHECKPOINT_NAMING);
}

export function loadGPT2LMHeadModel(files: PretrainedFiles): Pretrained<GPT2LMHeadModel> {
  return buildAndLoad(() => new GPT2LMHeadModel(gpt2ConfigFromHF(files.config)), files, GPT2_CHECKPOINT_NAMING);
}

export function loadGPT2ForSequenceClassification(files: PretrainedFiles): Pretrained<GPT2ForSequenceClassification> {
  return buildAndLoad(() => new GPT2ForSequenceClassification(gpt2ConfigFromHF(files.config)), files, GPT2_CHECKPOINT_NAMING);
}
