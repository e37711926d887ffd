// @peftjs/lora: the public API, named explicitly. Importing the package registers 'LORA' with core.
import { registerLora } from './register';

export { registerLora, loraMethod } from './register';
export { LORA, loraConfigSchema, rankAndAlpha, type LoraConfig, type LoraInitName } from './config';
export { UnsupportedLayerError, NonFiniteMergeError, HotswapError } from './errors';
export { LoraLayer, isLoraLayer, type LoraAdapterOptions, type LoraAdapterSettings } from './layer/lora-layer';
export { LoraLinear, type LinearBase } from './layer/linear';
export { LoraEmbedding } from './layer/embedding';
export { LoraConv2d } from './layer/conv2d';
export { DoraMagnitude } from './variants/dora';
export type { ScalingRule } from './variants/rslora';
export type { LoraVariant, MergedWeight } from './variants/variant';
export { initScheme, type LoraInitScheme, type InitTarget, type InitialFactors } from './init';
export {
  withAdapterNames,
  forwardMixedBatch,
  currentMixedBatch,
  BASE_ADAPTER_NAME,
  type MixedBatch,
  type MixedBatchOptions,
  type MixedBatchStrategy,
} from './mixed-batch/context';
export { GATHER_MIN_ADAPTERS } from './mixed-batch/choose';
export { addWeightedAdapter, COMBINATIONS, type Combination, type AddWeightedAdapterOptions } from './combine/add-weighted-adapter';
export type { SignMethod } from './combine/merge-utils';
export { prepareForHotswap, hotswapAdapterWeights } from './hotswap/hotswap';
export { hotswapAdapter, type HotswapAdapterOptions, type HotswapSource } from './hotswap/hotswap-source';
export { createLoraPlusOptimizer, loraPlusParameterGroups, type LoraPlusOptions } from './loraplus';

registerLora();

// LoHa and LoKr (peft's LOHA and LOKR), beside LoRA. Importing the package registers them too.
import { registerLycoris } from './register';

export { registerLycoris } from './register';
export { LOHA, lohaConfigSchema, type LohaConfig } from './loha/config';
export { LohaLayer, isLohaLayer, type LohaAdapterOptions } from './loha/layer';
export { lohaMethod, registerLoha } from './loha/method';
export { LOKR, lokrConfigSchema, type LokrConfig, type LokrInitWeights } from './lokr/config';
export { LokrLayer, isLokrLayer, type LokrAdapterOptions } from './lokr/layer';
export { lokrMethod, registerLokr } from './lokr/method';
export { factorization } from './lokr/factorization';
export { LycorisLayer, isLycorisLayer, type LycorisAdapterOptions, type LycorisSettings } from './lycoris/layer';
export type { LycorisConfig } from './lycoris/config';

registerLycoris();
