import { InvalidArgumentError } from '../../errors';
import { AdapterFormatError } from '../errors';
import { quoteValue } from '../../util/quote';
import { findFloatLiteralPaths } from '../text/json-scan';
import { formatPythonJson, type JsonValue } from '../text/python-json';

/**
 * `adapter_config.json` at the format level: peft's snake_case keys, kept as they
 * are. Which keys a method needs, and their meaning, is the method's business;
 * core only requires the `peft_type` discriminator.
 */
export interface AdapterConfig {
  /** peft's method name: `LORA`, `IA3`, `PROMPT_TUNING`, ... */
  readonly peft_type: string;
  readonly task_type?: string | null;
  readonly base_model_name_or_path?: string | null;
  readonly [key: string]: JsonValue | undefined;
}

export interface AdapterConfigDocument {
  readonly config: AdapterConfig;
  /**
   * JSON Pointers of the numbers the file wrote as floats (`/lora_dropout` for
   * `0.0`). Pass them back when writing so integral floats keep their `.0`.
   */
  readonly floatPaths: readonly string[];
}

export function parseAdapterConfig(text: string): AdapterConfigDocument {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new AdapterFormatError('CONFIG_NOT_JSON', `adapter config is not JSON (${(error as Error).message.slice(0, 200)})`);
  }
  assertAdapterConfig(config, (message) => new AdapterFormatError('INVALID_CONFIG', message));
  return { config, floatPaths: findFloatLiteralPaths(text) };
}

export interface FormatAdapterConfigOptions {
  /** Numbers to write as floats even when integral (see `AdapterConfigDocument.floatPaths`). */
  readonly floatPaths?: Iterable<string>;
}

/**
 * The config as peft writes it: `json.dumps(config, indent=2, sort_keys=True)`,
 * no trailing newline.
 */
export function formatAdapterConfig(config: AdapterConfig, options: FormatAdapterConfigOptions = {}): string {
  assertAdapterConfig(config, (message) => new InvalidArgumentError(message));
  return formatPythonJson(config, { floatPaths: options.floatPaths });
}

function assertAdapterConfig(config: unknown, fail: (message: string) => Error): asserts config is AdapterConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw fail(`adapter config must be a JSON object, found ${Array.isArray(config) ? 'an array' : quoteValue(config)}`);
  }
  const { peft_type: peftType } = config as Record<string, unknown>;
  if (typeof peftType !== 'string' || peftType === '') {
    throw fail(`adapter config needs "peft_type" (a method name such as "LORA"), found ${peftType === undefined ? 'nothing' : quoteValue(peftType)}`);
  }
}
