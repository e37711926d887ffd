/**
 * A config schema: peft's snake_case keys with their fields. Parsing a raw
 * object (from adapter_config.json or user code) fills defaults, validates
 * every known key, keeps unknown keys and warns about them.
 */
import { InvalidArgumentError } from '../../errors';
import { warn } from '../../util/log';
import { quoteValue, showName } from '../../util/quote';
import { fields, type Field } from './fields';

/** Keys every peft config has (peft's PeftConfigMixin and PeftConfig). */
export const COMMON_FIELDS = {
  peft_type: fields.string(undefined),
  task_type: fields.nullable(fields.string(undefined)),
  base_model_name_or_path: fields.nullable(fields.string(undefined)),
  revision: fields.nullable(fields.string(undefined)),
  inference_mode: fields.boolean(false),
  auto_mapping: fields.nullable(fields.json<Record<string, unknown>>(undefined)),
};

export type FieldTable = Record<string, Field<unknown>>;

/** The parsed value type of a field table. */
export type ConfigOf<F extends FieldTable> = { [K in keyof F]: F[K] extends Field<infer T> ? T : never };

/** What every parsed config looks like to core. Methods narrow it. */
export interface PeftConfig {
  peft_type: string;
  task_type: string | null;
  base_model_name_or_path: string | null;
  revision: string | null;
  inference_mode: boolean;
  modules_to_save?: string[] | null;
  [key: string]: unknown;
}

export interface ConfigSchema<C extends PeftConfig = PeftConfig> {
  readonly peftType: string;
  readonly fields: FieldTable;
  /**
   * Keys newer peft releases added, which older ones reject: a config built in
   * code writes them only when not at their default (see written-keys.ts).
   */
  readonly newerKeys?: readonly string[];
  parse(raw: unknown): C;
}

/**
 * Builds the schema of a method's config. `peft_type` is fixed to `peftType`;
 * a config that names another type is an error.
 */
export function defineConfigSchema<F extends FieldTable>(
  peftType: string,
  methodFields: F,
  validate?: (config: ConfigOf<F> & PeftConfig) => void,
): ConfigSchema<ConfigOf<F> & PeftConfig> {
  const table: FieldTable = { ...COMMON_FIELDS, ...methodFields };
  return {
    peftType,
    fields: table,
    parse(raw: unknown) {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new InvalidArgumentError(`${peftType} config: expected an object, found ${Array.isArray(raw) ? 'an array' : quoteValue(raw)}`);
      }
      const input: Record<string, unknown> = { peft_type: peftType, ...(raw as Record<string, unknown>) };
      if (input.peft_type !== peftType) {
        throw new InvalidArgumentError(`config 'peft_type': expected '${peftType}', found ${quoteValue(input.peft_type)}`);
      }
      // Keys come from files: own-property checks only ('constructor' is a key, not Object's), and
      // a prototype-free result so a '__proto__' key stays a key.
      const parsed: Record<string, unknown> = Object.create(null);
      for (const [key, field] of Object.entries(table)) {
        if (Object.hasOwn(input, key) && input[key] !== undefined) parsed[key] = field.parse(input[key], key);
        else if (field.defaultValue !== undefined) parsed[key] = structuredClone(field.defaultValue);
        else throw new InvalidArgumentError(`config '${key}': required (${field.description}), but missing`);
      }
      const unknown = Object.keys(input).filter((key) => !Object.hasOwn(table, key));
      if (unknown.length > 0) {
        const shown = unknown.slice(0, 10).map((key) => showName(key));
        const more = unknown.length > shown.length ? `, ... ${unknown.length - shown.length} more` : '';
        warn(`${peftType} config: unknown keys kept as they are (from a newer peft version?): ${shown.join(', ')}${more}`);
        for (const key of unknown) parsed[key] = input[key];
      }
      // A plain object again for callers (spread, JSON, equality), with '__proto__' as an own key.
      const config = Object.defineProperties({}, Object.getOwnPropertyDescriptors(parsed)) as ConfigOf<F> & PeftConfig;
      validate?.(config);
      return config;
    },
  };
}
