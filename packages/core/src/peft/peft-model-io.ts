/**
 * Saving and loading PeftModel adapters as folders in Hugging Face peft's
 * layout (Node only; io/files.ts loads the file system lazily, so browser
 * bundles of core that never call these stay free of `node:fs`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from '../nn/module';
import { loadAdapterFiles, saveAdapterFiles } from '../io/files';
import { DEFAULT_ADAPTER_NAME } from '../io/peft/layout';
import { adapterFileState, assignAdapterFileState } from './adapter-files';
import { PeftModel } from './peft-model';

export interface SaveAdapterOptions {
  /** Which adapters to save (default: all). `default` goes at the top of the folder, others in sub-folders. */
  adapterNames?: readonly string[];
}

export interface LoadAdapterOptions {
  /**
   * Load for training (parameters trainable when active) rather than inference.
   * Default false, as peft; then the whole model is put in eval mode, as peft's
   * load_adapter does, so that the new layers' dropout (lora_dropout) is off.
   */
  isTrainable?: boolean;
}

/**
 * Writes each adapter as `adapter_config.json` + `adapter_model.safetensors`,
 * atomically. Returns the folders written. The model is not changed: tensors a
 * method computes for files (a P-tuning encoder's output, say) are freed after writing.
 */
export async function saveAdapters(model: PeftModel<never, unknown>, directory: string, options: SaveAdapterOptions = {}): Promise<string[]> {
  const written: string[] = [];
  for (const adapterName of options.adapterNames ?? model.adapterNames) {
    const state = adapterFileState(model, adapterName);
    try {
      const paths = await saveAdapterFiles(directory, { adapterName, config: state.config, tensors: state.tensors, floatPaths: state.floatPaths });
      written.push(paths.adapterDirectory);
    } finally {
      // Tensors the method computed for the file (PeftMethod.computedFileTensors), written or not.
      state.dispose();
    }
  }
  return written;
}

/** Adds adapter `adapterName` from a peft folder to a PeftModel. On any error the model is left as it was. */
export async function loadAdapterInto(
  model: PeftModel<never, unknown>,
  directory: string,
  adapterName = DEFAULT_ADAPTER_NAME,
  options: LoadAdapterOptions = {},
): Promise<void> {
  const loaded = await loadAdapterFiles(directory, { adapterName });
  try {
    model.addAdapter(adapterName, { ...loaded.config, inference_mode: !(options.isTrainable ?? false) });
    try {
      assignAdapterFileState(model, adapterName, loaded.tensors);
    } catch (error) {
      model.deleteAdapter(adapterName);
      throw error;
    }
    if (!(options.isTrainable ?? false)) model.eval();
  } finally {
    for (const tensor of Object.values(loaded.tensors)) tensor.dispose();
  }
}

/**
 * peft's `PeftModel.from_pretrained`: wraps `base` with the adapter saved in
 * `directory`. On any error the base model is left as it was.
 */
export async function loadPeftModel<In = tf.Tensor, Out = tf.Tensor>(
  base: Module<In, Out>,
  directory: string,
  adapterName = DEFAULT_ADAPTER_NAME,
  options: LoadAdapterOptions = {},
): Promise<PeftModel<In, Out>> {
  const loaded = await loadAdapterFiles(directory, { adapterName });
  try {
    const model = new PeftModel(base, { ...loaded.config, inference_mode: !(options.isTrainable ?? false) }, adapterName);
    try {
      assignAdapterFileState(model as unknown as PeftModel<never, unknown>, adapterName, loaded.tensors);
    } catch (error) {
      model.unload();
      throw error;
    }
    return options.isTrainable ? model : model.eval();
  } finally {
    for (const tensor of Object.values(loaded.tensors)) tensor.dispose();
  }
}
