/**
 * peft's TrainableTokensConfig, key for key: token_indices, target_modules,
 * init_weights. Left unset, target_modules is the model's input embedding
 * (its path, from `getInputEmbeddings()`) or else 'embed_tokens', as peft's
 * `_get_input_embeddings_name` picks it.
 */
import { checkModulePattern, defineConfigSchema, fields, type ConfigSchema, type PeftConfig } from '@peftjs/core';

export const TRAINABLE_TOKENS = 'TRAINABLE_TOKENS';

export type TrainableTokensConfig = PeftConfig & {
  token_indices: number[];
  target_modules: string | string[] | null;
  init_weights: boolean;
};

const schema = defineConfigSchema(
  TRAINABLE_TOKENS,
  {
    token_indices: fields.integerList([]),
    target_modules: fields.nullable(fields.union<string | string[]>('a regex or a list of module names', undefined, [fields.string(undefined), fields.stringList(undefined)])),
    init_weights: fields.boolean(true),
  },
  (config) => checkModulePattern(config.target_modules, 'target_modules'),
);

export const trainableTokensConfigSchema = schema as unknown as ConfigSchema<TrainableTokensConfig>;
