/**
 * `hotswapAdapter`: the new adapter read from a peft folder (Node), an
 * http(s) folder URL, or its two files' bytes, then swapped in place
 * (hotswap.ts). The folder is read as peft's `hotswap_adapter` reads it: its
 * two files at the top, unless `subfolder` says otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  adapterFolderUrl,
  decodeAdapterBytes,
  fetchAdapterBytes,
  isHttpUrl,
  loadAdapterFiles,
  type AdapterBytes,
  type FetchAdapterOptions,
  type PeftModel,
} from '@peftjs/core';
import { hotswapAdapterWeights } from './hotswap';

export interface HotswapAdapterOptions extends FetchAdapterOptions {
  /** The folder inside the location that holds the files (default: the top). */
  readonly subfolder?: string;
  /** Accept tensors holding NaN or infinities (refused by default, naming the tensor). */
  readonly allowNonFinite?: boolean;
}

/** Where the new adapter comes from: a folder path (Node), an http(s) URL, or the bytes of its two files. */
export type HotswapSource = string | URL | AdapterBytes;

/** Replaces the weights of the loaded adapter `adapterName` with those of the adapter at `source`; see hotswap.ts for the rules. */
export async function hotswapAdapter(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  model: PeftModel<any, any>,
  source: HotswapSource,
  adapterName = 'default',
  options: HotswapAdapterOptions = {},
): Promise<void> {
  const decoded = await readSource(source, options);
  try {
    hotswapAdapterWeights(model, adapterName, decoded.config, decoded.tensors);
  } finally {
    tf.dispose(Object.values(decoded.tensors));
  }
}

async function readSource(source: HotswapSource, options: HotswapAdapterOptions): Promise<{ config: unknown; tensors: Record<string, tf.Tensor> }> {
  const decodeOptions = { allowNonFinite: options.allowNonFinite };
  if (isHttpUrl(source)) {
    const fetched = await fetchAdapterBytes(adapterFolderUrl(source, options.subfolder ?? ''), options);
    return decodeAdapterBytes(fetched, { ...decodeOptions, weightsFormat: fetched.weightsFormat });
  }
  if (typeof source === 'string') return loadAdapterFiles(source, { ...decodeOptions, subfolder: options.subfolder ?? '' });
  if (source instanceof URL) return loadAdapterFiles(source.pathname, { ...decodeOptions, subfolder: options.subfolder ?? '' });
  return decodeAdapterBytes(source, decodeOptions);
}
