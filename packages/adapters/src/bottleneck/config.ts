/**
 * The BOTTLENECK config. peft has no bottleneck adapters, so the type name is
 * ours; the keys are AdapterHub's (`reduction_factor`, `non_linearity`,
 * `mh_adapter`, `output_adapter`, `is_parallel`, `scaling`, `ln_before`,
 * `ln_after`, `leave_out`), and `config` names one of its presets:
 *
 * | config     | AdapterHub name       | sites                      | reduction | non-linearity | scaling |
 * | ---------- | --------------------- | -------------------------- | --------- | ------------- | ------- |
 * | `houlsby`  | `double_seq_bn`       | after attention and FFN    | 16        | swish         | 1       |
 * | `pfeiffer` | `seq_bn`              | after the FFN              | 16        | relu          | 1       |
 * | `parallel` | `par_bn`              | beside the FFN             | 2         | relu          | 4       |
 *
 * A key left out takes the preset's value; parsing writes the resolved value
 * back, so a saved config says everything. `architecture` picks the placement
 * preset for the model (or `auto`); `placement` replaces it with explicit rules.
 */
import { InvalidArgumentError, defineConfigSchema, fields, getActivation, type ConfigSchema, type PeftConfig } from '@peftjs/core';
import { parsePlacementRules, type PlacementRule } from './placement-rules';

export const BOTTLENECK = 'BOTTLENECK';

export const BOTTLENECK_PRESETS = {
  houlsby: { mh_adapter: true, output_adapter: true, is_parallel: false, reduction_factor: 16, non_linearity: 'swish', scaling: 1 },
  pfeiffer: { mh_adapter: false, output_adapter: true, is_parallel: false, reduction_factor: 16, non_linearity: 'relu', scaling: 1 },
  parallel: { mh_adapter: false, output_adapter: true, is_parallel: true, reduction_factor: 2, non_linearity: 'relu', scaling: 4 },
} as const;

export type BottleneckPresetName = keyof typeof BOTTLENECK_PRESETS;

export const ARCHITECTURES = ['auto', 'gpt2', 'bert', 'mlp'] as const;
export type ArchitectureName = (typeof ARCHITECTURES)[number];

const presetFields = {
  config: fields.oneOf(['houlsby', 'pfeiffer', 'parallel'] as const, 'pfeiffer'),
  /** Hidden units = floor(input width / reduction_factor). */
  reduction_factor: fields.nullable(fields.number(undefined, { min: 0, exclusiveMin: true })),
  non_linearity: fields.nullable(fields.string(undefined)),
  /** An adapter at the attention block. */
  mh_adapter: fields.nullable(fields.boolean(undefined)),
  /** An adapter at the feed-forward block. */
  output_adapter: fields.nullable(fields.boolean(undefined)),
  /** Beside the block (reads its input, adds to its output) rather than after it. */
  is_parallel: fields.nullable(fields.boolean(undefined)),
  /** Multiplies the up-projection's output. */
  scaling: fields.nullable(fields.number(undefined)),
};

const schemaFields = {
  ...presetFields,
  /** A LayerNorm on the adapter's input. */
  ln_before: fields.boolean(false),
  /** A LayerNorm on the adapter's output, residual included (then the adapter is not the identity at start). */
  ln_after: fields.boolean(false),
  architecture: fields.oneOf(ARCHITECTURES, 'auto'),
  /** Explicit placement rules (see placement-rules.ts); replace the architecture preset. */
  placement: fields.nullable(fields.json<unknown>(undefined)),
  /** Layer (block) indices the presets skip, as AdapterHub's `leave_out`. */
  leave_out: fields.integerList([]),
  modules_to_save: fields.nullable(fields.stringList(undefined)),
};

export type BottleneckConfig = PeftConfig & {
  config: BottleneckPresetName;
  reduction_factor: number;
  non_linearity: string;
  mh_adapter: boolean;
  output_adapter: boolean;
  is_parallel: boolean;
  scaling: number;
  ln_before: boolean;
  ln_after: boolean;
  architecture: ArchitectureName;
  placement: PlacementRule[] | null;
  leave_out: number[];
  modules_to_save: string[] | null;
};

function resolvePreset(config: Record<string, unknown>): void {
  const preset = BOTTLENECK_PRESETS[config.config as BottleneckPresetName];
  for (const [key, value] of Object.entries(preset)) if (config[key] === null) config[key] = value;
  getActivation(config.non_linearity as string); // a NotFoundError naming the close ones
  if (config.placement !== null) config.placement = parsePlacementRules(config.placement);
  else if (!config.mh_adapter && !config.output_adapter) {
    throw new InvalidArgumentError(`${BOTTLENECK} config: mh_adapter and output_adapter are both false, so the adapter would sit nowhere; set one, or give placement rules`);
  }
}

export const bottleneckConfigSchema = defineConfigSchema(BOTTLENECK, schemaFields, (config) => resolvePreset(config)) as unknown as ConfigSchema<BottleneckConfig>;
