/**
 * peft's IA3Config, key for key: target_modules, exclude_modules,
 * feedforward_modules, fan_in_fan_out, init_ia3_weights, modules_to_save.
 * Left unset, target and feed-forward modules take peft's defaults for the
 * architecture (core's defaultTargetModules).
 */
import { InvalidArgumentError, checkModulePattern, defineConfigSchema, fields, type ConfigSchema, type PeftConfig } from '@peftjs/core';

export const IA3 = 'IA3';

const moduleSpec = () => fields.nullable(fields.union<string | string[]>('a regex or a list of module names', undefined, [fields.string(undefined), fields.stringList(undefined)]));

export type IA3Config = PeftConfig & {
  target_modules: string | string[] | null;
  exclude_modules: string | string[] | null;
  feedforward_modules: string | string[] | null;
  fan_in_fan_out: boolean;
  init_ia3_weights: boolean;
  modules_to_save: string[] | null;
};

const schema = defineConfigSchema(
  IA3,
  {
    target_modules: moduleSpec(),
    exclude_modules: moduleSpec(),
    feedforward_modules: moduleSpec(),
    fan_in_fan_out: fields.boolean(false),
    init_ia3_weights: fields.boolean(true),
    modules_to_save: fields.nullable(fields.stringList(undefined)),
  },
  (config) => {
    const { target_modules: targets, feedforward_modules: feedForward } = config;
    // Regexes from the file: a bad one fails here, naming its key, rather than when the model is adapted.
    for (const key of ['target_modules', 'exclude_modules', 'feedforward_modules'] as const) checkModulePattern(config[key], key);
    // peft's own check (IA3Config.__post_init__), for list forms.
    if (Array.isArray(targets) && Array.isArray(feedForward)) {
      const outside = feedForward.filter((key) => !targets.includes(key));
      if (outside.length > 0) {
        throw new InvalidArgumentError(`${IA3} config 'feedforward_modules': expected a subset of target_modules [${targets.join(', ')}], found [${outside.join(', ')}] outside it`);
      }
    }
  },
);

/** exclude_modules came with a newer peft than IA3's other keys: a config built in code writes it only when set. */
export const ia3ConfigSchema = { ...schema, newerKeys: ['exclude_modules'] } as unknown as ConfigSchema<IA3Config>;
