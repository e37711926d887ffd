/**
 * Which keys of a parsed config go back into adapter_config.json.
 *
 * Parsing fills defaults for keys a file lacks, but older peft releases reject
 * keys they do not know (their config classes take the file's keys as keyword
 * arguments), so writing a filled key would make the file unloadable there.
 * Core remembers, per parsed config, the keys it was parsed from and whether it
 * came from a file, and writes:
 * - from a file: exactly the keys read, plus any key whose value is no longer
 *   its default (a target list filled in by the method, say), so a round trip
 *   is byte-identical;
 * - from code: every key of the schema except its `newerKeys` (keys newer peft
 *   releases added), plus any key whose value is not its default (a newer
 *   feature in use) and any unknown key given.
 * `peft_type` and `inference_mode` are always written.
 */
import type { ConfigSchema, PeftConfig } from './schema';

interface ConfigOrigin {
  readonly readKeys: ReadonlySet<string>;
  readonly fromFile: boolean;
  /** The file's float literals (JSON Pointers), where the config came from a file's text. */
  readonly floatPaths?: ReadonlySet<string>;
}

const ALWAYS_WRITTEN = new Set(['peft_type', 'inference_mode']);
const origins = new WeakMap<PeftConfig, ConfigOrigin>();

/** Records what `config` was parsed from (called by PeftModel.addAdapter). */
export function recordConfigOrigin(config: PeftConfig, raw: object, fromFile: boolean, floatPaths?: readonly string[]): void {
  origins.set(config, { readKeys: new Set(Object.keys(raw)), fromFile, floatPaths: floatPaths === undefined ? undefined : new Set(floatPaths) });
}

/**
 * Which written numbers get a `.0` (Python floats): for a key read from a file's
 * text, exactly as that file wrote it (nested pointers included: `alpha_pattern`
 * values); for any other key, the schema's field type.
 */
export function floatPathsToWrite(config: PeftConfig, schema: ConfigSchema, written: ReadonlySet<string>): string[] {
  const origin = origins.get(config);
  const fromText = origin?.floatPaths;
  const paths: string[] = [];
  for (const key of written) {
    if (fromText !== undefined && origin!.readKeys.has(key)) {
      for (const pointer of fromText) if (pointer === `/${key}` || pointer.startsWith(`/${key}/`)) paths.push(pointer);
    } else if (typeof config[key] === 'number' && Object.hasOwn(schema.fields, key) && schema.fields[key].isFloat) {
      paths.push(`/${key}`);
    }
  }
  return paths;
}

function isDefault(schema: ConfigSchema, key: string, value: unknown): boolean {
  const field = Object.hasOwn(schema.fields, key) ? schema.fields[key] : undefined;
  if (field === undefined || field.defaultValue === undefined) return false;
  return JSON.stringify(value) === JSON.stringify(field.defaultValue);
}

/** The keys of `config` to write (see above). A config with no recorded origin writes every key. */
export function keysToWrite(config: PeftConfig, schema: ConfigSchema): Set<string> {
  const origin = origins.get(config);
  const keys = Object.keys(config).filter((key) => config[key] !== undefined);
  if (origin === undefined) return new Set(keys);
  const newer = new Set(schema.newerKeys ?? []);
  return new Set(
    keys.filter((key) => {
      if (ALWAYS_WRITTEN.has(key) || !isDefault(schema, key, config[key])) return true;
      if (origin.fromFile) return origin.readKeys.has(key);
      return !newer.has(key);
    }),
  );
}
