/**
 * A config schema: peft's snake_case keys with their fields. Parsing a raw
 * object (from adapter_config.json or user code) fills defaults, validates
 * every known key, keeps unknown keys and warns about them.
 */
import { InvalidArgumentError } from '../../errors';
import { warn } from '../../util/log';
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
        throw new InvalidArgumentError(`${peftType} config: expected an object, found ${Array.isArray(raw) ? 'an array' : String(raw)}`);
      }
      const input: Record<string, unknown> = { peft_type: peftType, ...(raw as Record<string, unknown>) };
      if (input.peft_type !== peftType) {
        throw new InvalidArgumentError(`config 'peft_type': expected '${peftType}', found '${String(input.peft_type)}'`);
      }
      const parsed: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(table)) {
        if (key in input && input[key] !== undefined) parsed[key] = field.parse(input[key], key);
        else if (field.defaultValue !== undefined) parsed[key] = structuredClone(field.defaultValue);
        else throw new InvalidArgumentError(`config '${key}': required (${field.description}), but missing`);
      }
      const unknown = Object.keys(input).filter((key) => !(key in table));
      if (unknown.length > 0) {
        warn(`${peftType} config: unknown keys kept as they are (from a newer peft version?): ${unknown.join(', ')}`);
        for (const key of unknown) parsed[key] = input[key];
      }
      const config = parsed as ConfigOf<F> & PeftConfig;
      validate?.(config);
      return config;
    },
  };
}
