/**
 * Every architecture a Hugging Face `config.json` can name, as data: how to
 * build it from the config and how its checkpoint names map to parameters.
 * `loadPretrained` (bytes in memory) and `loadPretrainedModel` (a folder or
 * URL, streamed shard by shard) both pick from this table, so a new
 * architecture is one row here.
 */
import type { Module } from '@peftjs/core';
import { bertConfigFromHF, robertaConfigFromHF } from '../bert/config';
import { distilBertConfigFromHF } from '../bert/distilbert-config';
import { BertModel, DistilBertModel, RobertaModel } from '../bert/model';
import { BertForSequenceClassification, DistilBertForSequenceClassification, RobertaForSequenceClassification } from '../bert/sequence-classification';
import { ModelConfigError } from '../errors';
import { gpt2ConfigFromHF } from '../gpt2/config';
import { GPT2LMHeadModel } from '../gpt2/lm-head';
import { GPT2Model } from '../gpt2/model';
import { GPT2ForSequenceClassification } from '../gpt2/sequence-classification';
import { LlamaForCausalLM } from '../llama/causal-lm';
import { llamaConfigFromHF } from '../llama/config';
import { LlamaModel } from '../llama/model';
import { LlamaForSequenceClassification } from '../llama/sequence-classification';
import type { JsonObject } from '../transformer/config-fields';
import { BERT_CHECKPOINT_NAMING, DISTILBERT_CHECKPOINT_NAMING, ROBERTA_CHECKPOINT_NAMING } from './bert';
import type { CheckpointNaming } from './checkpoint';
import { GPT2_CHECKPOINT_NAMING } from './gpt2';
import { LLAMA_CHECKPOINT_NAMING } from './llama';

export interface ArchitectureSpec {
  readonly build: (config: JsonObject) => Module<never, unknown>;
  readonly naming: CheckpointNaming;
}

const spec = (build: ArchitectureSpec['build'], naming: CheckpointNaming): ArchitectureSpec => ({ build, naming });

const GPT2 = spec((c) => new GPT2Model(gpt2ConfigFromHF(c)), GPT2_CHECKPOINT_NAMING);
const BERT = spec((c) => new BertModel(bertConfigFromHF(c)), BERT_CHECKPOINT_NAMING);
const ROBERTA = spec((c) => new RobertaModel(robertaConfigFromHF(c)), ROBERTA_CHECKPOINT_NAMING);
const DISTILBERT = spec((c) => new DistilBertModel(distilBertConfigFromHF(c)), DISTILBERT_CHECKPOINT_NAMING);
const LLAMA = spec((c) => new LlamaModel(llamaConfigFromHF(c)), LLAMA_CHECKPOINT_NAMING);
const LLAMA_CAUSAL = spec((c) => new LlamaForCausalLM(llamaConfigFromHF(c)), LLAMA_CHECKPOINT_NAMING);
const LLAMA_CLASSIFIER = spec((c) => new LlamaForSequenceClassification(llamaConfigFromHF(c)), LLAMA_CHECKPOINT_NAMING);

export const BY_ARCHITECTURE: Readonly<Record<string, ArchitectureSpec>> = {
  GPT2Model: GPT2,
  GPT2LMHeadModel: spec((c) => new GPT2LMHeadModel(gpt2ConfigFromHF(c)), GPT2_CHECKPOINT_NAMING),
  GPT2ForSequenceClassification: spec((c) => new GPT2ForSequenceClassification(gpt2ConfigFromHF(c)), GPT2_CHECKPOINT_NAMING),
  BertModel: BERT,
  // Pre-training checkpoints: the encoder is what adapts; their LM heads are skipped.
  BertForPreTraining: BERT,
  BertForMaskedLM: BERT,
  BertForSequenceClassification: spec((c) => new BertForSequenceClassification(bertConfigFromHF(c)), BERT_CHECKPOINT_NAMING),
  RobertaModel: ROBERTA,
  RobertaForMaskedLM: ROBERTA,
  RobertaForSequenceClassification: spec((c) => new RobertaForSequenceClassification(robertaConfigFromHF(c)), ROBERTA_CHECKPOINT_NAMING),
  DistilBertModel: DISTILBERT,
  DistilBertForMaskedLM: DISTILBERT,
  DistilBertForSequenceClassification: spec((c) => new DistilBertForSequenceClassification(distilBertConfigFromHF(c)), DISTILBERT_CHECKPOINT_NAMING),
  // One decoder for the Llama family; the config's model_type picks the variant.
  ...Object.fromEntries(
    ['Llama', 'Mistral', 'Qwen2', 'Qwen3', 'Gemma'].flatMap((family) => [
      [`${family}Model`, LLAMA],
      [`${family}ForCausalLM`, LLAMA_CAUSAL],
      [`${family}ForSequenceClassification`, LLAMA_CLASSIFIER],
    ]),
  ),
};

export const BY_MODEL_TYPE: Readonly<Record<string, ArchitectureSpec>> = {
  gpt2: GPT2,
  bert: BERT,
  roberta: ROBERTA,
  distilbert: DISTILBERT,
  llama: LLAMA,
  mistral: LLAMA,
  qwen2: LLAMA,
  qwen3: LLAMA,
  gemma: LLAMA,
};

/** The architecture `config` names (`architectures[0]`, else the base model of its `model_type`). */
export function architectureOf(config: JsonObject): ArchitectureSpec {
  const architecture = Array.isArray(config.architectures) ? config.architectures[0] : undefined;
  const found = (typeof architecture === 'string' && Object.hasOwn(BY_ARCHITECTURE, architecture) ? BY_ARCHITECTURE[architecture] : undefined) ??
    (typeof config.model_type === 'string' && Object.hasOwn(BY_MODEL_TYPE, config.model_type) ? BY_MODEL_TYPE[config.model_type] : undefined);
  if (found === undefined) {
    const field = architecture === undefined ? 'model_type' : 'architectures';
    throw new ModelConfigError(field, `one of ${[...Object.keys(BY_ARCHITECTURE), ...Object.keys(BY_MODEL_TYPE)].join(', ')}`, architecture ?? config.model_type);
  }
  return found;
}
