/**
 * PeftModel adapters from bytes and from http(s) URLs, and to bytes.
 * Browser-safe: nothing here reaches a Node built-in (the folder code is in
 * peft-model-io.ts, behind a lazy import). Every way in ends in
 * `addDecodedAdapter` or `peftModelFromDecoded`, every way out starts at
 * `adapterBytesOf`, so files, bytes and downloads of one adapter agree.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { fetchAdapterBytes, adapterFolderUrl } from '../io/http/adapter-fetch';
import { decodeAdapterBytes, encodeAdapterBytes, type AdapterBytes, type DecodedAdapter } from '../io/peft/adapter-bytes';
import { adapterSubfolder, assertAdapterName } from '../io/peft/layout';
import type { Module } from '../nn/module';
import { adapterFileState } from './adapter-files';
import { assertKnownAdapters } from './adapter-names';
import { PeftModel } from './peft-model';
import type { LoadAdapterOptions } from './peft-model-io';

/** What a bytes load takes: where the bytes came from is the caller's business, so no `subfolder` and no fetch options. */
export type LoadAdapterBytesOptions = Pick<LoadAdapterOptions, 'isTrainable' | 'allowNonFinite'>;

/** The two files `saveAdapter` writes for `adapterName`, byte for byte. The model is not changed. */
export async function adapterBytesOf(model: PeftModel<never, unknown>, adapterName: string): Promise<AdapterBytes> {
  assertKnownAdapters(model.adapterNames, [adapterName], 'toAdapterBytes');
  const state = adapterFileState(model, adapterName);
  try {
    return await encodeAdapterBytes({ adapterName, config: state.config, tensors: state.tensors, floatPaths: state.floatPaths });
  } finally {
    state.dispose();
  }
}

/** What a load needs of a decoded adapter (a folder read gives more). */
type AdapterToAdd = Pick<DecodedAdapter, 'config' | 'tensors' | 'floatPaths'>;

const configFor = (decoded: AdapterToAdd, options: LoadAdapterBytesOptions) => ({ ...decoded.config, inference_mode: !(options.isTrainable ?? false) });

/** Adds a decoded adapter to `model` and frees the decoded tensors. On any error the model is left exactly as it was. */
export function addDecodedAdapter(model: PeftModel<never, unknown>, adapterName: string, decoded: AdapterToAdd, options: LoadAdapterBytesOptions): void {
  try {
    model.addAdapter(adapterName, configFor(decoded, options), { weights: decoded.tensors, floatPaths: decoded.floatPaths });
    // peft's load_adapter puts the model in eval mode for inference, so the new layers' dropout is off.
    if (!(options.isTrainable ?? false)) model.eval();
  } finally {
    for (const tensor of Object.values(decoded.tensors)) tensor.dispose();
  }
}

/** Wraps `base` with a decoded adapter and frees the decoded tensors. On any error `base` is left exactly as it was. */
export function peftModelFromDecoded<In, Out>(base: Module<In, Out>, adapterName: string, decoded: AdapterToAdd, options: LoadAdapterBytesOptions): PeftModel<In, Out> {
  try {
    const model = new PeftModel(base, configFor(decoded, options), adapterName, { weights: decoded.tensors, floatPaths: decoded.floatPaths });
    return options.isTrainable ? model : model.eval();
  } finally {
    for (const tensor of Object.values(decoded.tensors)) tensor.dispose();
  }
}

function decode(bytes: AdapterBytes, options: LoadAdapterBytesOptions, weightsFormat?: 'safetensors' | 'torch'): DecodedAdapter {
  return decodeAdapterBytes(bytes, { allowNonFinite: options.allowNonFinite, weightsFormat });
}

export function loadAdapterBytesInto(model: PeftModel<never, unknown>, bytes: AdapterBytes, adapterName: string, options: LoadAdapterBytesOptions = {}): void {
  assertAdapterName(adapterName);
  addDecodedAdapter(model, adapterName, decode(bytes, options), options);
}

export function peftModelFromAdapterBytes<In = tf.Tensor, Out = tf.Tensor>(
  base: Module<In, Out>,
  bytes: AdapterBytes,
  adapterName: string,
  options: LoadAdapterBytesOptions = {},
): PeftModel<In, Out> {
  assertAdapterName(adapterName);
  return peftModelFromDecoded(base, adapterName, decode(bytes, options), options);
}

/** The adapter's folder URL: as on disk, `default` at the top and others in a sub-folder named after them, unless `subfolder` says. */
function folderUrlFor(location: string | URL, adapterName: string, options: LoadAdapterOptions): URL {
  assertAdapterName(adapterName);
  if (options.subfolder !== undefined && options.subfolder !== '') assertAdapterName(options.subfolder);
  return adapterFolderUrl(location, options.subfolder ?? adapterSubfolder(adapterName));
}

async function fetchDecoded(location: string | URL, adapterName: string, options: LoadAdapterOptions): Promise<DecodedAdapter> {
  const fetched = await fetchAdapterBytes(folderUrlFor(location, adapterName, options), options);
  return decode(fetched, options, fetched.weightsFormat);
}

export async function loadAdapterUrlInto(model: PeftModel<never, unknown>, location: string | URL, adapterName: string, options: LoadAdapterOptions = {}): Promise<void> {
  addDecodedAdapter(model, adapterName, await fetchDecoded(location, adapterName, options), options);
}

export async function peftModelFromUrl<In = tf.Tensor, Out = tf.Tensor>(
  base: Module<In, Out>,
  location: string | URL,
  adapterName: string,
  options: LoadAdapterOptions = {},
): Promise<PeftModel<In, Out>> {
  return peftModelFromDecoded(base, adapterName, await fetchDecoded(location, adapterName, options), options);
}
