import { InvalidArgumentError } from '../../errors';
import { quoteValue } from '../../util/quote';

/** File names Hugging Face peft reads and writes (`CONFIG_NAME`, `SAFETENSORS_WEIGHTS_NAME`). */
export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** The pickle weights of older peft: recognised only to say they are not supported. */
export const ADAPTER_PICKLE_WEIGHTS_FILE = 'adapter_model.bin';

export const DEFAULT_ADAPTER_NAME = 'default';

/**
 * peft's `save_pretrained` writes the `default` adapter at the top of the folder and
 * every other adapter in a sub-folder named after it.
 */
export function adapterSubfolder(adapterName: string): string {
  assertAdapterName(adapterName);
  return adapterName === DEFAULT_ADAPTER_NAME ? '' : adapterName;
}

// Dots would split tensor names; slashes, colons and the rest break folder names on some OS.
const UNSAFE_ADAPTER_NAME = /[.\s/\\:*?"<>|\p{Cc}]/u;

/**
 * Adapter names become folder names and tensor-name components, so they must be
 * non-empty and free of dots, whitespace, path separators and characters Windows
 * refuses in file names.
 */
export function assertAdapterName(adapterName: string): void {
  if (typeof adapterName !== 'string' || adapterName === '' || UNSAFE_ADAPTER_NAME.test(adapterName)) {
    throw new InvalidArgumentError(
      `Adapter name ${quoteValue(adapterName)} is not usable: expected a non-empty name without dots, whitespace, path separators or any of :*?"<>|`,
    );
  }
}
