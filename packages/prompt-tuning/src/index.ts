// @peftjs/prompt-tuning: the public API, named explicitly. Importing the package registers
// PROMPT_TUNING, PREFIX_TUNING and P_TUNING with core.
import { registerPromptLearning } from './register';

export { registerPromptLearning, PROMPT_LEARNING_METHODS } from './register';
export { UnsupportedModelError, PromptTooLongError, PromptInitError } from './errors';

// Prompt tuning.
export {
  PROMPT_TUNING,
  PROMPT_TUNING_INITS,
  promptTuningConfig,
  promptTuningConfigSchema,
  type PromptTuningConfig,
  type PromptTuningConfigInput,
  type PromptTuningInit,
  type PromptTuningOptions,
} from './prompt-tuning/config';
export { promptTuningMethod } from './prompt-tuning/method';
export { PromptEmbedding } from './prompt-tuning/encoder';
export { registerTokenizer, unregisterTokenizer, type TokenizerLike } from './prompt-tuning/tokenizers';

// Prefix tuning.
export { PREFIX_TUNING, prefixTuningConfig, prefixTuningConfigSchema, type PrefixTuningConfig, type PrefixTuningConfigInput } from './prefix-tuning/config';
export { prefixTuningMethod } from './prefix-tuning/method';
export { PrefixEncoder, type PrefixEncoderShape } from './prefix-tuning/encoder';

// P-tuning.
export {
  P_TUNING,
  ENCODER_REPARAMETERIZATION_TYPES,
  pTuningConfig,
  pTuningConfigSchema,
  type PTuningConfig,
  type PTuningConfigInput,
  type EncoderReparameterizationType,
} from './p-tuning/config';
export { pTuningMethod } from './p-tuning/method';
export { PTuningEncoder, type PTuningEncoderShape } from './p-tuning/encoder';
export { BidirectionalLstm, type LstmShape } from './p-tuning/lstm';

// Shared.
export { PromptLearningEncoder } from './shared/encoder';
export { foldPromptEncoder, findPromptEncoder } from './shared/fold';
export { generationModel, type GenerationModel } from './shared/generation';
export { prefixKeyValues } from './shared/key-value-prefix';
export { PROMPT_ENCODER_COLLECTION, PROMPT_EMBEDDINGS } from './shared/method-parts';
export type { PromptLearningConfig } from './shared/config';
export type { PromptLearningOptions } from './shared/options';
export type { TransformerDims, PromptableModel } from './shared/model';
export type { KeyValue, PromptInput } from './shared/inputs';

registerPromptLearning();
