/**
 * The model class a Hugging Face `config.json` names (`architectures[0]`, else
 * the base model of its `model_type`), built and loaded. A table, so another
 * architecture is one entry.
 */
import type { Module } from '@peftjs/core';
import { ModelConfigError } from '../errors';
import { configObject } from '../transformer/config-fields';
import {
  loadBertForSequenceClassification,
  loadBertModel,
  loadDistilBertForSequenceClassification,
  loadDistilBertModel,
  loadRobertaForSequenceClassification,
  loadRobertaModel,
} from './bert';
import { loadGPT2ForSequenceClassification, loadGPT2LMHeadModel, loadGPT2Model } from './gpt2';
import { loadLlamaForCausalLM, loadLlamaForSequenceClassification, loadLlamaModel } from './llama';
import type { Pretrained, PretrainedFiles } from './pretrained';

type Loader = (files: PretrainedFiles) => Pretrained<Module<never, unknown>>;

const BY_ARCHITECTURE: Readonly<Record<string, Loader>> = {
  GPT2Model: loadGPT2Model,
  GPT2LMHeadModel: loadGPT2LMHeadModel,
  GPT2ForSequenceClassification: loadGPT2ForSequenceClassification,
  BertModel: loadBertModel,
  // Pre-training checkpoints: the encoder is what adapts; their LM heads are skipped.
  BertForPreTraining: loadBertModel,
  BertForMaskedLM: loadBertModel,
  BertForSequenceClassification: loadBertForSequenceClassification,
  RobertaModel: loadRobertaModel,
  RobertaForMaskedLM: loadRobertaModel,
  RobertaForSequenceClassification: loadRobertaForSequenceClassification,
  DistilBertModel: loadDistilBertModel,
  DistilBertForMaskedLM: loadDistilBertModel,
  DistilBertForSequenceClassification: loadDistilBertForSequenceClassification,
  // One decoder for the Llama family; the config's model_type picks the variant.
  ...Object.fromEntries(
    ['Llama', 'Mistral', 'Qwen2', 'Qwen3', 'Gemma'].flatMap((family) => [
      [`${family}Model`, loadLlamaModel],
      [`${family}ForCausalLM`, loadLlamaForCausalLM],
      [`${family}ForSequenceClassification`, loadLlamaForSequenceClassification],
    ]),
  ),
};

const BY_MODEL_TYPE: Readonly<Record<string, Loader>> = {
  gpt2: loadGPT2Model,
  bert: loadBertModel,
  roberta: loadRobertaModel,
  distilbert: loadDistilBertModel,
  llama: loadLlamaModel,
  mistral: loadLlamaModel,
  qwen2: loadLlamaModel,
  qwen3: loadLlamaModel,
  gemma: loadLlamaModel,
};

/** Builds the architecture the config names and loads the weights into it. */
export function loadPretrained(files: PretrainedFiles): Pretrained<Module<never, unknown>> {
  const config = configObject(files.config);
  const architecture = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  const loader = (typeof architecture === 'string' ? BY_ARCHITECTURE[architecture] : undefined) ?? BY_MODEL_TYPE[String(config.model_type)];
  if (loader === undefined) {
    const field = architecture === undefined ? 'model_type' : 'architectures';
    throw new ModelConfigError(field, `one of ${[...Object.keys(BY_ARCHITECTURE), ...Object.keys(BY_MODEL_TYPE)].join(', ')}`, architecture ?? config.model_type);
  }
  return loader({ ...files, config });
}
