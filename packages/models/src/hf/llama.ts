/**
 * Llama-family models from Hugging Face files: `config.json` and
 * `model.safetensors`, for checkpoints of LlamaModel-style bases (names
 * without `model.`), *ForCausalLM and *ForSequenceClassification of llama,
 * mistral, qwen2, qwen3 and gemma. Linear weights are [out, in] in the file and
 * in core's Linear, so they load as they are.
 */
import { llamaConfigFromHF } from '../llama/config';
import { LlamaForCausalLM } from '../llama/causal-lm';
import { LlamaModel } from '../llama/model';
import { LlamaForSequenceClassification } from '../llama/sequence-classification';
import type { CheckpointNaming } from './checkpoint';
import { buildAndLoad, type Pretrained, type PretrainedFiles } from './pretrained';

export const LLAMA_CHECKPOINT_NAMING: CheckpointNaming = {
  backbonePrefix: 'model.',
  // Older transformers saved the rotary inverse frequencies as a buffer; they are computed from the config here.
  // A classifier's head is skipped when its checkpoint is loaded as a language model, and the reverse.
  // (Names are matched to parameters first: an untied lm_head is loaded, and required.)
  ignore: [/(^|\.)rotary_emb\.inv_freq$/, /^score\./, /^lm_head\./],
  optional: [/^score\./],
  // With tie_word_embeddings the head is the embedding; a checkpoint may still hold a copy.
  tied: ['lm_head.weight'],
};

export function loadLlamaModel(files: PretrainedFiles): Pretrained<LlamaModel> {
  return buildAndLoad(() => new LlamaModel(llamaConfigFromHF(files.config)), files, LLAMA_CHECKPOINT_NAMING);
}

export function loadLlamaForCausalLM(files: PretrainedFiles): Pretrained<LlamaForCausalLM> {
  return buildAndLoad(() => new LlamaForCausalLM(llamaConfigFromHF(files.config)), files, LLAMA_CHECKPOINT_NAMING);
}

export function loadLlamaForSequenceClassification(files: PretrainedFiles): Pretrained<LlamaForSequenceClassification> {
  return buildAndLoad(() => new LlamaForSequenceClassification(llamaConfigFromHF(files.config)), files, LLAMA_CHECKPOINT_NAMING);
}
