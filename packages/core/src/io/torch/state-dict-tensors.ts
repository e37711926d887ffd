/** torch.save state dicts as tfjs tensors, with the dtype mapping of `decodeSafetensors` (see safetensors/dtypes.ts). */
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFormatError } from '../errors';
import { assertFinite, toTfjsValues } from '../safetensors/decode';
import { SAFETENSORS_DTYPES } from '../safetensors/dtypes';
import { quoteName, type BinaryInput } from '../safetensors/header';
import { TorchFormatError } from './errors';
import { decodeTorchStateDict, type DecodeTorchStateDictOptions } from './state-dict';

export interface DecodedTorchStateDictTensors {
  /** By name, in the dict's order; an object without prototype. The caller owns (and disposes) the tensors. */
  readonly tensors: Record<string, tf.Tensor>;
  readonly archiveName: string;
}

/**
 * Like `decodeTorchStateDict`, as tensors. Every value is converted before the
 * first tensor is made, so a failure leaves no tensor behind.
 */
export function decodeTorchStateDictTensors(
  bytes: BinaryInput,
  options: DecodeTorchStateDictOptions & { readonly rejectNonFinite?: boolean } = {},
): DecodedTorchStateDictTensors {
  const { tensors: raw, archiveName } = decodeTorchStateDict(bytes, options);
  const converted = Object.entries(raw).map(([name, tensor]) => {
    const values = tfjsValues(name, tensor);
    if (options.rejectNonFinite && values instanceof Float32Array) assertFinite(name, tensor.dtype, values);
    return { name, shape: [...tensor.shape], dtype: SAFETENSORS_DTYPES[tensor.dtype].tfjsDtype, values };
  });
  const tensors: Record<string, tf.Tensor> = Object.create(null);
  try {
    for (const { name, shape, dtype, values } of converted) tensors[name] = tf.tensor(values, shape, dtype);
  } catch (error) {
    for (const tensor of Object.values(tensors)) tensor.dispose();
    throw error;
  }
  return { tensors, archiveName };
}

function tfjsValues(name: string, tensor: Parameters<typeof toTfjsValues>[1]): ReturnType<typeof toTfjsValues> {
  try {
    return toTfjsValues(name, tensor);
  } catch (error) {
    if (!(error instanceof SafetensorsFormatError && error.reason === 'INT_OUT_OF_RANGE')) throw error;
    throw new TorchFormatError('INT_OUT_OF_RANGE', `tensor ${quoteName(name)} (${tensor.dtype}) holds a value outside the int32 range of tfjs tensors; decodeTorchStateDict reads it exactly`, name);
  }
}
