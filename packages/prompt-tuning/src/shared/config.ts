/**
 * peft's PromptLearningConfig keys, shared by the three methods, and how a
 * config is completed from the model it is injected into (peft's
 * `_prepare_prompt_learning_config`): the dims left null are filled in, so the
 * saved adapter_config.json carries them as peft's does.
 */
import {
  InvalidArgumentError,
  defineConfigSchema,
  fields,
  type ConfigOf,
  type ConfigSchema,
  type FieldTable,
  type PeftConfig,
} from '@peftjs/core';
import { PromptTooLongError, UnsupportedModelError } from '../errors';
import { keyValueLayout, type TransformerDims } from './model';
import { carryOptions } from './options';

export const PROMPT_LEARNING_FIELDS = {
  num_virtual_tokens: fields.positiveInteger(undefined),
  token_dim: fields.nullable(fields.positiveInteger(undefined)),
  num_transformer_submodules: fields.nullable(fields.positiveInteger(undefined)),
  num_attention_heads: fields.nullable(fields.positiveInteger(undefined)),
  num_layers: fields.nullable(fields.positiveInteger(undefined)),
};

/** Keys only some peft versions write: checked when present, left out when absent, so a file keeps its keys. */
export const OPTIONAL_FIELDS = {
  modules_to_save: fields.nullable(fields.stringList(undefined)),
  peft_version: fields.nullable(fields.string(undefined)),
};

type Filled<F> = { [K in keyof F]: F[K] extends { parse(value: unknown, key: string): infer T } ? T : never };
type Optional<F> = Partial<Filled<F>>;

export type PromptLearningConfig = PeftConfig &
  Filled<typeof PROMPT_LEARNING_FIELDS> &
  Optional<typeof OPTIONAL_FIELDS>;

/**
 * A method's schema: the shared keys, its own, and its checks. Parsing also
 * carries the options of a config built with a helper such as
 * promptTuningConfig (a tokenizer object cannot live in JSON).
 */
export function promptLearningSchema<F extends FieldTable, C extends PromptLearningConfig>(
  peftType: string,
  methodFields: F,
  validate?: (config: C) => void,
): ConfigSchema<C> {
  const schema = defineConfigSchema(peftType, { ...PROMPT_LEARNING_FIELDS, ...OPTIONAL_FIELDS, ...methodFields }, (config) =>
    validate?.(config as unknown as C),
  );
  return {
    peftType,
    fields: schema.fields,
    parse(raw: unknown): C {
      const config = schema.parse(raw) as ConfigOf<FieldTable> as C;
      const given = raw as Record<string, unknown>;
      for (const key of Object.keys(OPTIONAL_FIELDS)) if (given[key] === undefined) delete config[key];
      carryOptions(raw, config);
      return config;
    },
  };
}

export interface CompleteOptions {
  /**
   * Prefix tuning builds every layer's keys and values from token_dim,
   * num_layers and num_attention_heads, so they must match the attention's
   * key/value layout (fewer heads under grouped-query attention, as peft fills
   * them); the other methods prepend embeddings and only record the dims.
   */
  readonly keyValueLayout: boolean;
}

/**
 * Fills token_dim, num_layers, num_attention_heads and
 * num_transformer_submodules from the model where null, checks given ones, and
 * checks that the virtual tokens leave room for input. Returns the total
 * number of virtual tokens.
 */
export function completeConfig(config: PromptLearningConfig, dims: TransformerDims, options: CompleteOptions): number {
  const type = config.peft_type;
  const fill = (key: 'token_dim' | 'num_layers' | 'num_attention_heads', modelValue: number, modelName: string, strict: boolean) => {
    const given = config[key];
    if (given === null || given === undefined) config[key] = modelValue;
    else if (strict && given !== modelValue) {
      throw new InvalidArgumentError(`${type} config '${key}': expected the model's ${modelName} ${modelValue}, found ${given}`);
    }
  };
  if (options.keyValueLayout) {
    const layout = keyValueLayout(dims);
    const grouped = layout.heads !== dims.numHeads || layout.headDim * layout.heads !== dims.hiddenSize;
    fill('token_dim', layout.heads * layout.headDim, grouped ? 'key/value width (numKeyValueHeads x headDim)' : 'hiddenSize', true);
    fill('num_layers', dims.numLayers, 'numLayers', true);
    fill('num_attention_heads', layout.heads, grouped ? 'numKeyValueHeads' : 'numHeads', true);
  } else {
    fill('token_dim', dims.hiddenSize, 'hiddenSize', true);
    fill('num_layers', dims.numLayers, 'numLayers', false);
    fill('num_attention_heads', dims.numHeads, 'numHeads', false);
  }
  if (config.num_transformer_submodules == null) config.num_transformer_submodules = config.task_type === 'SEQ_2_SEQ_LM' ? 2 : 1;
  if (config.num_transformer_submodules !== 1) {
    throw new UnsupportedModelError(
      `${type}: num_transformer_submodules ${config.num_transformer_submodules} (an encoder-decoder model) is not supported; ` +
        'expected 1: a decoder-only or encoder-only transformer',
    );
  }
  const total = config.num_virtual_tokens * config.num_transformer_submodules;
  if (total >= dims.maxPositions) {
    throw new PromptTooLongError(
      `${type} config 'num_virtual_tokens': expected fewer than the model's maxPositions ${dims.maxPositions} (room for at least one input token), found ${total}`,
      total,
      dims.maxPositions,
    );
  }
  return total;
}

/** peft's default for encoder_hidden_size: the token dimension. */
export function fillEncoderHiddenSize(config: PromptLearningConfig & { encoder_hidden_size: number | null }): number {
  config.encoder_hidden_size ??= config.token_dim!;
  return config.encoder_hidden_size;
}
