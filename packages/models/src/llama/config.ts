/**
 * The Llama family's configuration (Llama 2/3, Mistral, Qwen2/2.5, Qwen3,
 * SmolLM, Gemma) under peftjs' camelCase names, and the mapping to and from
 * Hugging Face `config.json`. One decoder serves them all; what differs is
 * data here (`LlamaVariant`), not copies of the model.
 *
 * A config field that would change the numbers and is not implemented is a
 * ModelConfigError naming it, never ignored.
 */
import { ModelConfigError } from '../errors';
import {
  activationName,
  configObject,
  flag,
  labelCount,
  positiveInteger,
  positiveNumber,
  probability,
  readFields,
  type JsonObject,
} from '../transformer/config-fields';
import type { TransformerDims } from '../transformer/types';
import { readRopeScaling, ropeScalingToHF, type RopeScaling } from './rope-config';

/** The `model_type`s this decoder builds. */
export const LLAMA_MODEL_TYPES = ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma'] as const;
export type LlamaModelType = (typeof LLAMA_MODEL_TYPES)[number];

/** Where the architectures differ, as switches of one decoder. */
export interface LlamaVariant {
  /** Bias on q_proj, k_proj, v_proj (Qwen2 always; others by `attention_bias`). */
  readonly qkvBias: boolean;
  /** Bias on o_proj (`attention_bias` on Llama, Qwen3, Gemma; never on Qwen2). */
  readonly outputBias: boolean;
  /** RMSNorm over each head of q and k before the rotation (Qwen3's q_norm, k_norm). */
  readonly qkNorm: boolean;
  /** RMSNorm multiplies by (1 + w) and its weights start at 0 (Gemma). */
  readonly normWeightOffset: 0 | 1;
  /** The token embeddings are multiplied by sqrt(hiddenSize) (Gemma). */
  readonly scaleEmbeddings: boolean;
}

export interface LlamaConfig extends TransformerDims {
  /** Hugging Face's `model_type`: core's default target modules are chosen by it. */
  readonly modelType: LlamaModelType;
  readonly intermediateSize: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling;
  /** `hidden_act` (Gemma: `hidden_activation`), a name `getActivation` knows. */
  readonly activation: string;
  readonly tieWordEmbeddings: boolean;
  readonly mlpBias: boolean;
  readonly attentionDropout: number;
  /** Each query sees at most this many keys, itself included (Mistral v0.1); undefined: all. */
  readonly slidingWindow?: number;
  readonly variant: LlamaVariant;
  /** Outputs of LlamaForSequenceClassification. */
  readonly numLabels: number;
  readonly padTokenId?: number;
  readonly bosTokenId?: number;
  /** One id, or several (Llama 3 instruct configs list three). */
  readonly eosTokenId?: number | readonly number[];
}

const VARIANTS: Readonly<Record<LlamaModelType, (attentionBias: boolean) => LlamaVariant>> = {
  llama: (bias) => ({ qkvBias: bias, outputBias: bias, qkNorm: false, normWeightOffset: 0, scaleEmbeddings: false }),
  mistral: () => ({ qkvBias: false, outputBias: false, qkNorm: false, normWeightOffset: 0, scaleEmbeddings: false }),
  qwen2: () => ({ qkvBias: true, outputBias: false, qkNorm: false, normWeightOffset: 0, scaleEmbeddings: false }),
  qwen3: (bias) => ({ qkvBias: bias, outputBias: bias, qkNorm: true, normWeightOffset: 0, scaleEmbeddings: false }),
  gemma: (bias) => ({ qkvBias: bias, outputBias: bias, qkNorm: false, normWeightOffset: 1, scaleEmbeddings: true }),
};

/** Per type, what transformers' config classes default to. */
const TYPE_DEFAULTS: Readonly<Record<LlamaModelType, Partial<LlamaConfig>>> = {
  llama: { activation: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, maxPositions: 2048, vocabSize: 32000, bosTokenId: 1, eosTokenId: 2 },
  mistral: { activation: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, maxPositions: 4096 * 32, vocabSize: 32000, bosTokenId: 1, eosTokenId: 2, slidingWindow: 4096 },
  qwen2: { activation: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, maxPositions: 32768, vocabSize: 151936 },
  qwen3: { activation: 'silu', rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: false, maxPositions: 32768, vocabSize: 151936 },
  gemma: { activation: 'gelu_pytorch_tanh', rmsNormEps: 1e-6, ropeTheta: 10000, tieWordEmbeddings: true, maxPositions: 8192, vocabSize: 256000, padTokenId: 0, bosTokenId: 2, eosTokenId: 1 },
};

/** A config with transformers' defaults for `modelType` (default llama); override what you need. */
export function llamaConfig(overrides: Partial<LlamaConfig> & { attentionBias?: boolean } = {}): LlamaConfig {
  const modelType = overrides.modelType ?? 'llama';
  if (!LLAMA_MODEL_TYPES.includes(modelType)) throw new ModelConfigError('modelType', `one of ${LLAMA_MODEL_TYPES.join(', ')}`, modelType);
  const { attentionBias = false, ...rest } = overrides;
  const hiddenSize = rest.hiddenSize ?? 4096;
  const numHeads = rest.numHeads ?? 32;
  const config = {
    numLayers: 32,
    intermediateSize: 11008,
    mlpBias: false,
    attentionDropout: 0,
    numLabels: 2,
    ropeScaling: { kind: 'default' },
    ...TYPE_DEFAULTS[modelType],
    ...rest,
    modelType,
    hiddenSize,
    numHeads,
    numKeyValueHeads: rest.numKeyValueHeads ?? numHeads,
    headDim: rest.headDim ?? hiddenSize / numHeads,
    variant: rest.variant ?? VARIANTS[modelType](attentionBias),
  } as LlamaConfig;
  validateLlamaConfig(config);
  return config;
}

function validateLlamaConfig(c: LlamaConfig): void {
  for (const field of ['vocabSize', 'maxPositions', 'numLayers', 'numHeads', 'numKeyValueHeads', 'hiddenSize', 'intermediateSize', 'headDim', 'numLabels'] as const) {
    positiveInteger(c[field], field);
  }
  if (c.numHeads % c.numKeyValueHeads !== 0) throw new ModelConfigError('numKeyValueHeads', `a divisor of numHeads ${c.numHeads}`, c.numKeyValueHeads);
  if (c.headDim % 2 !== 0) throw new ModelConfigError('headDim', 'an even number (rotary embeddings rotate pairs)', c.headDim);
  positiveNumber(c.rmsNormEps, 'rmsNormEps');
  positiveNumber(c.ropeTheta, 'ropeTheta');
  probability(c.attentionDropout, 'attentionDropout');
  activationName(c.activation, 'activation');
  if (c.slidingWindow !== undefined) positiveInteger(c.slidingWindow, 'slidingWindow');
  const ids = [c.padTokenId, c.bosTokenId, ...(Array.isArray(c.eosTokenId) ? c.eosTokenId : [c.eosTokenId])];
  for (const id of ids) {
    if (id !== undefined && (!Number.isInteger(id) || id < 0)) throw new ModelConfigError('token ids', 'integers >= 0', id);
  }
}

// Keys that change the numbers in ways this decoder does not implement. Named, so a checkpoint that needs them fails loudly.
const UNSUPPORTED_KEYS: ReadonlyArray<[string, (value: unknown) => boolean, string]> = [
  ['quantization_config', (v) => v !== undefined && v !== null, 'none (quantized checkpoints are not supported; load an unquantized one)'],
  ['pretraining_tp', (v) => v !== undefined && v !== null && v !== 1, '1 (tensor-parallel slicing changes the numbers)'],
  ['partial_rotary_factor', (v) => v !== undefined && v !== null && v !== 1, '1 (partial rotary embeddings are not implemented)'],
  ['use_sliding_window', (v) => v === true, 'false (Qwen-style per-layer sliding windows are not implemented)'],
  ['attn_logit_softcapping', (v) => v !== undefined && v !== null, 'none (Gemma 2 soft-capping is not implemented)'],
  ['final_logit_softcapping', (v) => v !== undefined && v !== null, 'none (Gemma 2 soft-capping is not implemented)'],
];

/** A Llama-family config from Hugging Face `config.json` (text or parsed). */
export function llamaConfigFromHF(json: string | JsonObject): LlamaConfig {
  const hf = configObject(json);
  const modelType = hf.model_type ?? 'llama';
  if (typeof modelType !== 'string' || !(LLAMA_MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new ModelConfigError('model_type', `one of ${LLAMA_MODEL_TYPES.join(', ')} (gemma2, gemma3, phi3 and others are not implemented)`, modelType);
  }
  for (const [key, unsupported, expected] of UNSUPPORTED_KEYS) if (unsupported(hf[key])) throw new ModelConfigError(key, expected, hf[key]);
  const type = modelType as LlamaModelType;
  const fields = readFields<LlamaConfig>(hf, {
    vocabSize: ['vocab_size', positiveInteger],
    maxPositions: ['max_position_embeddings', positiveInteger],
    hiddenSize: ['hidden_size', positiveInteger],
    intermediateSize: ['intermediate_size', positiveInteger],
    numLayers: ['num_hidden_layers', positiveInteger],
    numHeads: ['num_attention_heads', positiveInteger],
    numKeyValueHeads: ['num_key_value_heads', positiveInteger],
    headDim: ['head_dim', positiveInteger],
    rmsNormEps: ['rms_norm_eps', positiveNumber],
    ropeTheta: ['rope_theta', positiveNumber],
    tieWordEmbeddings: ['tie_word_embeddings', flag],
    mlpBias: ['mlp_bias', flag],
    attentionDropout: ['attention_dropout', probability],
  });
  // Gemma's modeling code reads hidden_activation (its config keeps hidden_act "gelu" for old checkpoints).
  const activationKey = type === 'gemma' ? 'hidden_activation' : 'hidden_act';
  const activation = hf[activationKey] === undefined || hf[activationKey] === null ? undefined : activationName(hf[activationKey], activationKey);
  const attentionBias = hf.attention_bias === undefined || hf.attention_bias === null ? false : flag(hf.attention_bias, 'attention_bias');
  const maxPositions = fields.maxPositions ?? TYPE_DEFAULTS[type].maxPositions!;
  const slidingWindow = type === 'mistral' ? (hf.sliding_window === undefined ? TYPE_DEFAULTS.mistral.slidingWindow : hf.sliding_window === null ? undefined : positiveInteger(hf.sliding_window, 'sliding_window')) : undefined;
  const numLabels = labelCount(hf);
  return llamaConfig({
    ...fields,
    modelType: type,
    attentionBias,
    ...(activation === undefined ? {} : { activation }),
    ropeScaling: readRopeScaling(hf.rope_scaling, maxPositions),
    slidingWindow,
    ...readSpecialTokens(hf),
    ...(numLabels === undefined ? {} : { numLabels }),
  });
}

/** pad and bos ids, and eos as one id or a list; null kept as "none". */
function readSpecialTokens(hf: JsonObject): Partial<Pick<LlamaConfig, 'padTokenId' | 'bosTokenId' | 'eosTokenId'>> {
  const id = (value: unknown, field: string) => {
    if (value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ModelConfigError(field, 'a token id (integer >= 0), a list of them, or null', value);
    return value;
  };
  const out: { padTokenId?: number; bosTokenId?: number; eosTokenId?: number | number[] } = {};
  if ('pad_token_id' in hf) out.padTokenId = id(hf.pad_token_id, 'pad_token_id');
  if ('bos_token_id' in hf) out.bosTokenId = id(hf.bos_token_id, 'bos_token_id');
  if ('eos_token_id' in hf) {
    const eos = hf.eos_token_id;
    if (Array.isArray(eos)) {
      if (eos.length === 0 || eos.length > 64) throw new ModelConfigError('eos_token_id', 'a list of 1 to 64 token ids', eos.length);
      out.eosTokenId = eos.map((value, i) => id(value, `eos_token_id[${i}]`) as number);
    } else out.eosTokenId = id(eos, 'eos_token_id');
  }
  return out;
}

/** The config as Hugging Face `config.json` fields. */
export function llamaConfigToHF(c: LlamaConfig): JsonObject {
  const bias = c.variant.outputBias;
  return {
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.maxPositions,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    [c.modelType === 'gemma' ? 'hidden_activation' : 'hidden_act']: c.activation,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: ropeScalingToHF(c.ropeScaling),
    tie_word_embeddings: c.tieWordEmbeddings,
    ...(c.modelType === 'qwen2' || c.modelType === 'mistral' ? {} : { attention_bias: bias }),
    mlp_bias: c.mlpBias,
    attention_dropout: c.attentionDropout,
    ...(c.modelType === 'mistral' ? { sliding_window: c.slidingWindow ?? null } : {}),
    id2label: Object.fromEntries(Array.from({ length: c.numLabels }, (_, i) => [String(i), `LABEL_${i}`])),
    pad_token_id: c.padTokenId ?? null,
    bos_token_id: c.bosTokenId ?? null,
    eos_token_id: c.eosTokenId === undefined ? null : Array.isArray(c.eosTokenId) ? [...c.eosTokenId] : c.eosTokenId,
  };
}
