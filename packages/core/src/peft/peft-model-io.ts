/**
 * Saving and loading PeftModel adapters as folders in Hugging Face peft's
 * layout (Node only; io/files.ts loads the file system lazily, so browser
 * bundles of core that never call these stay free of `node:fs`). The bytes
 * are made and read by the same code as `toAdapterBytes`/`loadAdapterBytes`
 * (adapter-sources.ts, io/peft/adapter-bytes.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module';
import { loadAdapterFiles, saveAdapterFiles } from '../io/files';
import { DEFAULT_ADAPTER_NAME } from '../io/peft/layout';
import type { FetchAdapterOptions } from '../io/http/adapter-fetch';
import { adapterFileState, type AdapterFileState } from './adapter-files';
import { assertKnownAdapters } from './adapter-names';
import { addDecodedAdapter, peftModelFromDecoded } from './adapter-sources';
import type { PeftModel } from './peft-model';

export interface SaveAdapterOptions {
  /** Which adapters to save (default: all). `default` goes at the top of the folder, others in sub-folders. */
  adapterNames?: readonly string[];
}

/** For a folder on disk or at an http(s) URL; `maxBytes`, `cache` and `signal` apply to URLs only. */
export interface LoadAdapterOptions extends FetchAdapterOptions {
  /**
   * Load for training (parameters trainable when active) rather than inference.
   * Default false, as peft; then the whole model is put in eval mode, as peft's
   * load_adapter does, so that the new layers' dropout (lora_dropout) is off.
   */
  isTrainable?: boolean;
  /**
   * The folder to read inside `directory`: by default where peft's layout keeps
   * the adapter's name (the top for `default`, else the sub-folder named after
   * it). `''` reads the top of `directory` whatever name the adapter gets, as
   * peft's `load_adapter(path, adapter_name)` does.
   */
  subfolder?: string;
  /** Accept tensors holding NaN or infinities (refused by default, naming the tensor). */
  allowNonFinite?: boolean;
}

/**
 * Writes each adapter as `adapter_config.json` + `adapter_model.safetensors`,
 * atomically. Returns the folders written. Every name is checked, and every
 * adapter's file state made, before the first file is written. The model is not
 * changed: tensors a method computes for files (a P-tuning encoder's output,
 * say) are freed after writing.
 */
export async function saveAdapters(model: PeftModel<never, unknown>, directory: string, options: SaveAdapterOptions = {}): Promise<string[]> {
  const names = [...(options.adapterNames ?? model.adapterNames)];
  assertKnownAdapters(model.adapterNames, names, 'saveAdapter');
  const states: AdapterFileState[] = [];
  try {
    for (const adapterName of names) states.push(adapterFileState(model, adapterName));
    const written: string[] = [];
    for (const [i, adapterName] of names.entries()) {
      const { config, tensors, floatPaths } = states[i];
      const paths = await saveAdapterFiles(directory, { adapterName, config, tensors, floatPaths });
      written.push(paths.adapterDirectory);
    }
    return written;
  } finally {
    // Tensors the methods computed for the files (PeftMethod.computedFileTensors), written or not.
    for (const state of states) state.dispose();
  }
}

function loadFileOptions(adapterName: string, options: LoadAdapterOptions) {
  return { adapterName, subfolder: options.subfolder, allowNonFinite: options.allowNonFinite };
}

/** Adds adapter `adapterName` from a peft folder to a PeftModel. On any error the model is left exactly as it was. */
export async function loadAdapterInto(
  model: PeftModel<never, unknown>,
  directory: string,
  adapterName = DEFAULT_ADAPTER_NAME,
  options: LoadAdapterOptions = {},
): Promise<void> {
  addDecodedAdapter(model, adapterName, await loadAdapterFiles(directory, loadFileOptions(adapterName, options)), options);
}

/**
 * peft's `PeftModel.from_pretrained`: wraps `base` with the adapter saved in
 * `directory`. On any error the base model is left exactly as it was.
 */
export async function loadPeftModel<In = tf.Tensor, Out = tf.Tensor>(
  base: Module<In, Out>,
  directory: string,
  adapterName = DEFAULT_ADAPTER_NAME,
  options: LoadAdapterOptions = {},
): Promise<PeftModel<In, Out>> {
  return peftModelFromDecoded(base, adapterName, await loadAdapterFiles(directory, loadFileOptions(adapterName, options)), options);
}
