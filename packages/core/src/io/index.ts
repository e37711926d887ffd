/**
 * Browser-safe file formats: safetensors, torch.save state dicts (read only) and
 * Hugging Face peft adapters, on bytes in memory. Reading and writing files lives
 * in `./node` (Node only).
 */
export { SafetensorsFormatError, AdapterFormatError, AdapterFolderBusyError, UnsafePathError, AdapterFetchError, FileSystemUnavailableError } from './errors';
export type { SafetensorsFormatReason, AdapterFormatReason, AdapterFetchReason } from './errors';

export { SAFETENSORS_DTYPES, isSafetensorsDtype } from './safetensors/dtypes';
export type { SafetensorsDtype, SafetensorsTypedArray, SafetensorsTypedArrays, TfjsDtype } from './safetensors/dtypes';
export { readSafetensorsHeader, readHeaderFromPrefix, MAX_HEADER_BYTES, MAX_RANK } from './safetensors/header';
export type {
  BinaryInput,
  ReadSafetensorsHeaderOptions,
  SafetensorsHeader,
  SafetensorsTensorInfo,
} from './safetensors/header';
export { decodeSafetensorsRaw } from './safetensors/decode-raw';
export type { DecodeSafetensorsOptions, DecodedSafetensorsRaw, RawTensor } from './safetensors/decode-raw';
export { decodeSafetensors } from './safetensors/decode';
export type { DecodeSafetensorsTensorOptions, DecodedSafetensors } from './safetensors/decode';
export { encodeSafetensors, encodeSafetensorsAsync } from './safetensors/encode';
export type { EncodableTensor, EncodeSafetensorsOptions } from './safetensors/encode';
export {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './safetensors/half-precision';

export { TorchFormatError } from './torch/errors';
export type { TorchFormatReason } from './torch/errors';
export { decodeTorchStateDict } from './torch/state-dict';
export type { DecodeTorchStateDictOptions, DecodedTorchStateDict, TorchStateDictLimits, TorchTensorInfo } from './torch/state-dict';
export { decodeTorchStateDictTensors } from './torch/state-dict-tensors';
export type { DecodedTorchStateDictTensors } from './torch/state-dict-tensors';

export { parseAdapterConfig, formatAdapterConfig } from './peft/adapter-config';
export { decodeAdapterBytes, detectWeightsFormat, encodeAdapterBytes } from './peft/adapter-bytes';
export type { AdapterBytes, AdapterWeightsFormat, DecodeAdapterBytesOptions, DecodedAdapter } from './peft/adapter-bytes';
export {
  ADAPTER_CACHE_NAME,
  DEFAULT_MAX_ADAPTER_WEIGHTS_BYTES,
  MAX_ADAPTER_CONFIG_BYTES,
  adapterFolderUrl,
  fetchAdapterBytes,
  isHttpUrl,
} from './http/adapter-fetch';
export type { FetchAdapterOptions, FetchedAdapter } from './http/adapter-fetch';
export { DEFAULT_ADAPTER_DATABASE, MAX_ADAPTER_KEY_LENGTH, openAdapterStore } from './browser-store/adapter-store';
export type { AdapterStore, AdapterStoreOptions, StoredAdapterInfo } from './browser-store/adapter-store';
export { AdapterStoreError } from './browser-store/errors';
export type { AdapterStoreReason } from './browser-store/errors';
export { readBoundedBody } from './http/bounded-body';
export { COMMIT_RECORD_FILE, checkPair, formatCommitRecord, makeCommitRecord, parseCommitRecord } from './peft/commit-record';
export type { CommitRecord, PairCheck, PairState } from './peft/commit-record';
export type { AdapterConfig, AdapterConfigDocument, FormatAdapterConfigOptions } from './peft/adapter-config';
export {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  DEFAULT_ADAPTER_NAME,
  adapterSubfolder,
  assertAdapterName,
} from './peft/layout';
export {
  MODULES_TO_SAVE_KEY,
  PEFT_MODEL_PREFIX,
  fromPeftFileName,
  fromPeftFileState,
  toPeftFileName,
  toPeftFileState,
} from './peft/tensor-names';
export type { MemoryTensorName, PeftTensorNaming, PeftTensorRole } from './peft/tensor-names';

export { formatPythonJson, pythonFloatRepr } from './text/python-json';
export type { JsonValue, PythonJsonOptions } from './text/python-json';
