// @peftjs/models: the public API, named explicitly so that what is exported is a decision.
// The tfjs-layers bridge (fromLayersModel, toLayersModel) is its own entry, src/tfjs-layers/index.ts,
// because @tensorflow/tfjs-layers is an optional peer dependency that this entry must not load.

export { CheckpointKeysError, CheckpointShapeError, CheckpointSourceError, ModelConfigError, TokenIdOutOfRangeError, UnsupportedLayerError, type CheckpointSourceReason } from './errors';

// Layers that core does not have.
export { Conv2D, conv2d, type Conv2DGeometry, type Conv2DOptions, type Conv2DPadding, type Pair } from './layers/conv2d';
export { Conv1D, conv1d, type Conv1DOptions } from './layers/conv1d';
export { TiedLinear } from './layers/tied-linear';
export { Flatten, MaxPool2D } from './layers/pooling';
export type { TensorModule } from './layers/tensor-module';

// Small reference models.
export { MLP, type MLPConfig } from './mlp/mlp';
export { SmallCNN, type SmallCNNConfig } from './cnn/small-cnn';

// The transformer contract prompt-learning methods build on.
export type {
  AttentionInput,
  AttentionOutput,
  BaseModelOutput,
  KeyValue,
  LogitsOutput,
  PastKeyValues,
  TransformerDims,
  TransformerInput,
  TransformerModel,
  TransformerOutput,
} from './transformer/types';
export { checkTokenIds, checkTokenIdsAsync, SYNC_READ_BACKENDS, tokenIdTensor } from './transformer/token-ids';
export { attentionBias, scaledDotProductAttention, splitHeads, mergeHeads, MASKED_SCORE } from './transformer/attention';

// GPT-2.
export { gpt2Config, gpt2ConfigFromHF, gpt2ConfigToHF, type GPT2Config } from './gpt2/config';
export { GPT2Attention } from './gpt2/attention';
export { GPT2Block, GPT2MLP } from './gpt2/block';
export { GPT2Model } from './gpt2/model';
export { GPT2LMHeadModel } from './gpt2/lm-head';
export { GPT2ForSequenceClassification, lastTokenIndices } from './gpt2/sequence-classification';
export { generate, positionsFromMask, type CausalLanguageModel, type GenerateOptions, type TokenRows } from './gpt2/generate';

// Llama family (Llama 2/3, Mistral, Qwen2/2.5, Qwen3, SmolLM, Gemma): one decoder, Hugging Face names.
export { llamaConfig, llamaConfigFromHF, llamaConfigToHF, LLAMA_MODEL_TYPES, type LlamaConfig, type LlamaModelType, type LlamaVariant } from './llama/config';
export { readRopeScaling, ropeScalingToHF, type RopeScaling } from './llama/rope-config';
export { ropeFrequencies, rotaryTables, applyRotary, type RopeFrequencies, type RotaryTables } from './llama/rope';
export { RMSNorm } from './llama/rms-norm';
export { LlamaAttention, repeatKeyValueHeads, type LlamaAttentionInput } from './llama/attention';
export { LlamaMLP } from './llama/mlp';
export { LlamaDecoderLayer } from './llama/layer';
export { LlamaModel } from './llama/model';
export { LlamaForCausalLM } from './llama/causal-lm';
export { LlamaForSequenceClassification } from './llama/sequence-classification';
export { LLAMA_CHECKPOINT_NAMING, loadLlamaForCausalLM, loadLlamaForSequenceClassification, loadLlamaModel } from './hf/llama';
export { loadPretrainedModel, CONFIG_FILE, DEFAULT_MAX_SHARD_BYTES, MAX_CONFIG_BYTES, MAX_INDEX_BYTES, type LoadPretrainedModelOptions, type LoadProgress, type LoadedPretrainedModel } from './hf/load-pretrained-model';
export { folderSource, urlSource, resolveCheckpointSource, type CheckpointSource, type UrlSourceOptions } from './hf/checkpoint-source';
export { parseShardIndex, SHARD_INDEX_FILE, SINGLE_WEIGHTS_FILE, MAX_SHARDS, MAX_INDEXED_TENSORS } from './hf/shard-index';
export { architectureOf, BY_ARCHITECTURE, BY_MODEL_TYPE, type ArchitectureSpec } from './hf/architectures';
export { planCheckpoint, type CheckpointPlan } from './hf/checkpoint';

// BERT, and RoBERTa and DistilBERT as layouts of the same encoder.
export { bertConfig, bertConfigFromHF, bertConfigToHF, robertaConfig, robertaConfigFromHF, robertaConfigToHF, type BertConfig } from './bert/config';
export { distilBertConfig, distilBertConfigFromHF, distilBertConfigToHF } from './bert/distilbert-config';
export { BERT_LAYOUT, DISTILBERT_LAYOUT, ROBERTA_LAYOUT, type EncoderLayerNames, type EncoderLayout, type EncoderModelType } from './bert/layout';
export { BertEmbeddings, positionsAfterPadding, type BertInput } from './bert/embeddings';
export { BertLayer } from './bert/layer';
export { BertEncoder, BertModel, BertPooler, DistilBertModel, RobertaModel, type BertModelOptions, type BertModelOutput } from './bert/model';
export {
  BertForSequenceClassification,
  DistilBertForSequenceClassification,
  RobertaClassificationHead,
  RobertaForSequenceClassification,
} from './bert/sequence-classification';

// Hugging Face checkpoints.
export {
  loadCheckpoint,
  type CheckpointNaming,
  type CheckpointReport,
  type CheckpointWeights,
  type LoadCheckpointOptions,
} from './hf/checkpoint';
export { buildAndLoad, type Pretrained, type PretrainedFiles } from './hf/pretrained';
export { GPT2_CHECKPOINT_NAMING, loadGPT2ForSequenceClassification, loadGPT2LMHeadModel, loadGPT2Model } from './hf/gpt2';
export {
  BERT_CHECKPOINT_NAMING,
  DISTILBERT_CHECKPOINT_NAMING,
  ROBERTA_CHECKPOINT_NAMING,
  loadBertForSequenceClassification,
  loadBertModel,
  loadDistilBertForSequenceClassification,
  loadDistilBertModel,
  loadRobertaForSequenceClassification,
  loadRobertaModel,
} from './hf/bert';
export { loadPretrained } from './hf/auto';

// Tokenizers.
export { GPT2Tokenizer, type EncodeOptions, type Tokenizer } from './tokenizer/gpt2-tokenizer';
export { RemappedTokenizer, type RemapOptions, type RemappedVocabulary } from './tokenizer/remapped-tokenizer';

// Hugging Face tokenizers: tokenizer.json + tokenizer_config.json through @huggingface/tokenizers, chat templates through @huggingface/jinja.
export {
  HFTokenizer,
  type BatchEncoding,
  type HFBatchEncodeOptions,
  type HFDecodeOptions,
  type HFEncodeOptions,
  type HFTokenizerFiles,
} from './tokenizer/hf-tokenizer';
export type { SpecialTokenRole, TokenizerSide } from './tokenizer/hf-config';
export type { JsonFileInput } from './tokenizer/hf-json';
export type { ChatMessage, ChatTemplateOptions } from './tokenizer/chat-template';
export { HF_TOKENIZER_LIMITS } from './tokenizer/hf-limits';
export { ChatTemplateError, TokenizerFormatError, type TokenizerFile } from './tokenizer/tokenizer-errors';
