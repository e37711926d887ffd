/**
 * peft's LNTuningConfig, key for key: target_modules, exclude_modules,
 * modules_to_save. Left unset, target_modules takes peft's defaults for the
 * architecture (core's defaultTargetModules, peft's
 * TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING).
 */
import { checkModulePattern, defineConfigSchema, fields, type ConfigSchema, type PeftConfig } from '@peftjs/core';

export const LN_TUNING = 'LN_TUNING';

const moduleSpec = () => fields.nullable(fields.union<string | string[]>('a regex or a list of module names', undefined, [fields.string(undefined), fields.stringList(undefined)]));

export type LNTuningConfig = PeftConfig & {
  target_modules: string | string[] | null;
  exclude_modules: string | string[] | null;
  modules_to_save: string[] | null;
};

const schema = defineConfigSchema(
  LN_TUNING,
  {
    target_modules: moduleSpec(),
    exclude_modules: moduleSpec(),
    modules_to_save: fields.nullable(fields.stringList(undefined)),
  },
  (config) => {
    // Regexes from the file: a bad one fails here, naming its key, rather than when the model is adapted.
    for (const key of ['target_modules', 'exclude_modules'] as const) checkModulePattern(config[key], key);
  },
);

export const lnTuningConfigSchema = schema as unknown as ConfigSchema<LNTuningConfig>;
