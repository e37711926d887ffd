/**
 * One adapter as the bytes of peft's two files, and back. Browser-safe: the
 * Node folder code (io/node/adapter-directory.ts), `PeftModel.toAdapterBytes`
 * and URL loading all encode and decode through these two functions, so a
 * folder, a byte pair and a download of the same adapter are the same bytes.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { decodeSafetensors } from '../safetensors/decode';
import type { DecodeSafetensorsOptions } from '../safetensors/decode-raw';
import { encodeSafetensorsAsync, type EncodableTensor, type EncodeSafetensorsOptions } from '../safetensors/encode';
import { decodeTorchStateDictTensors } from '../torch/state-dict-tensors';
import { formatAdapterConfig, parseAdapterConfig, type AdapterConfig, type AdapterConfigDocument } from './adapter-config';

/** `adapter_config.json` and the weights file, as bytes. */
export interface AdapterBytes {
  readonly config: Uint8Array;
  /** `adapter_model.safetensors`, or older peft's `adapter_model.bin` (torch.save) when loading. */
  readonly weights: Uint8Array;
}

export interface AdapterToSave extends Pick<EncodeSafetensorsOptions, 'dtypes'> {
  readonly config: AdapterConfig;
  /** Tensors under peft's file names (see `toPeftFileState`). */
  readonly tensors: Readonly<Record<string, EncodableTensor>>;
  /** Defaults to `default`, which peft writes at the top of the folder. */
  readonly adapterName?: string;
  /** Config numbers to write as floats even when integral (from `loadAdapter`). */
  readonly floatPaths?: Iterable<string>;
  /** Safetensors metadata; defaults to peft's `{ format: 'pt' }`, which transformers checks for. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The bytes peft's `save_pretrained` writes for this adapter. Tensor values are read asynchronously (no GPU stall). */
export async function encodeAdapterBytes(adapter: AdapterToSave): Promise<AdapterBytes> {
  const config = new TextEncoder().encode(formatAdapterConfig(adapter.config, { floatPaths: adapter.floatPaths }));
  const weights = await encodeSafetensorsAsync(adapter.tensors, { metadata: adapter.metadata ?? { format: 'pt' }, dtypes: adapter.dtypes });
  return { config, weights };
}

export type AdapterWeightsFormat = 'safetensors' | 'torch';

/**
 * torch.save has written zip archives since PyTorch 1.6: they start with a
 * local file header, `PK\x03\x04`, whose byte 8 is the compression method (0
 * or 8). A safetensors file starts with its header length (8 bytes) and then
 * the header's `{`. Both tests together cannot mistake one for the other, even
 * a safetensors header whose length happens to begin with those four bytes.
 */
export function detectWeightsFormat(weights: Uint8Array): AdapterWeightsFormat {
  const zipSignature = weights.length >= 9 && weights[0] === 0x50 && weights[1] === 0x4b && weights[2] === 0x03 && weights[3] === 0x04;
  return zipSignature && weights[8] !== 0x7b ? 'torch' : 'safetensors';
}

export interface DecodeAdapterBytesOptions extends DecodeSafetensorsOptions {
  /** Accept tensors holding NaN or infinities (refused by default, naming the tensor). */
  readonly allowNonFinite?: boolean;
  /** What the weights are; by default told from their first bytes (`detectWeightsFormat`). */
  readonly weightsFormat?: AdapterWeightsFormat;
}

export interface DecodedAdapter extends AdapterConfigDocument {
  /** Under peft's file names; the caller owns (and disposes) them. */
  readonly tensors: Record<string, tf.Tensor>;
  /** Safetensors metadata (`{}` for torch.save weights). */
  readonly metadata: Record<string, string>;
  readonly weightsFormat: AdapterWeightsFormat;
}

/** The config is checked before any tensor is made, so a bad config leaves nothing to dispose. */
export function decodeAdapterBytes(bytes: AdapterBytes, options: DecodeAdapterBytesOptions = {}): DecodedAdapter {
  const document = parseAdapterConfig(new TextDecoder().decode(bytes.config));
  const rejectNonFinite = !(options.allowNonFinite ?? false);
  const weightsFormat = options.weightsFormat ?? detectWeightsFormat(bytes.weights);
  if (weightsFormat === 'torch') {
    // Older peft's adapter_model.bin, read by a restricted unpickler that runs no code (io/torch).
    const { tensors } = decodeTorchStateDictTensors(bytes.weights, { rejectNonFinite });
    return { ...document, tensors, metadata: {}, weightsFormat };
  }
  const { tensors, metadata } = decodeSafetensors(bytes.weights, { filter: options.filter, rejectNonFinite });
  return { ...document, tensors, metadata, weightsFormat };
}
