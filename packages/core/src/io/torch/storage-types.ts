/**
 * torch.save names a tensor's element type by its storage class
 * (`torch.FloatStorage`, ...): the dtypes peftjs reads, as safetensors names them.
 */
import type { SafetensorsDtype } from '../safetensors/dtypes';

export const STORAGE_DTYPES: Readonly<Record<string, SafetensorsDtype>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** Storage classes torch has but peftjs cannot hold: refused by name rather than as unknown globals. */
export const UNSUPPORTED_STORAGES: ReadonlySet<string> = new Set([
  'ComplexFloatStorage',
  'ComplexDoubleStorage',
  'QInt8Storage',
  'QUInt8Storage',
  'QInt32Storage',
  'QUInt4x2Storage',
  'QUInt2x4Storage',
  'UntypedStorage',
]);
