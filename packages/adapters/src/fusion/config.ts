/**
 * The ADAPTER_FUSION config (our type name; AdapterHub saves fusions in its
 * own format, peft has none): which bottleneck adapters it fuses and the
 * softmax temperature. Its tensors sit in the bottleneck layers as
 * `adapter_fusion_query|key|value.<name>.weight|bias`.
 */
import { InvalidArgumentError, defineConfigSchema, fields, type ConfigSchema, type PeftConfig } from '@peftjs/core';

export const ADAPTER_FUSION = 'ADAPTER_FUSION';

export type FusionConfig = PeftConfig & {
  adapters: string[];
  temperature: number;
};

export const fusionConfigSchema = defineConfigSchema(
  ADAPTER_FUSION,
  {
    adapters: fields.stringList(undefined),
    temperature: fields.number(1, { min: 0, exclusiveMin: true }),
  },
  (config) => {
    if (config.adapters.length < 2 || new Set(config.adapters).size !== config.adapters.length) {
      throw new InvalidArgumentError(`${ADAPTER_FUSION} config 'adapters': expected at least two distinct adapter names, found [${config.adapters.join(', ')}]`);
    }
  },
) as unknown as ConfigSchema<FusionConfig>;
