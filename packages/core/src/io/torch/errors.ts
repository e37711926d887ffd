import { PeftError } from '../../errors';
import { brandErrorClass } from '../../util/brand';

/**
 * Why a torch.save file was refused. Stable strings, so callers (and tests) can
 * tell a truncated download from a pickle that asks for code.
 */
export type TorchFormatReason =
  /** No zip end-of-central-directory record: not a zip archive (or cut short). */
  | 'NOT_A_ZIP'
  /** A pickle stream where the zip should start: torch.save before PyTorch 1.6. */
  | 'LEGACY_FORMAT'
  /** A zip record that contradicts itself or the file: bad signature, out-of-range offset, name mismatch, duplicate name. */
  | 'ZIP_STRUCTURE'
  /** Valid zip, but not as torch.save writes it: compressed, encrypted, zip64-sized or multi-disk entries. */
  | 'ZIP_UNSUPPORTED'
  /** An entry's bytes do not match its CRC-32, as PyTorch's own reader checks. */
  | 'CHECKSUM_MISMATCH'
  /** A record the state dict needs (`data.pkl`, a storage `data/<key>`) is not in the archive. */
  | 'MISSING_RECORD'
  /** Over a limit of `TorchStateDictLimits` (entries, pickle bytes, tensors, output bytes). */
  | 'TOO_LARGE'
  /** The archive's `byteorder` record is not `little`: only little-endian storages are read. */
  | 'BYTE_ORDER'
  /** The pickle ends before STOP, or an opcode's argument runs past its end. */
  | 'PICKLE_TRUNCATED'
  /** An opcode outside the few torch.save uses for a state dict (or a pickle protocol other than 2). */
  | 'FORBIDDEN_OPCODE'
  /** A global other than OrderedDict, `_rebuild_tensor_v2` and the storage types: the way pickles run code. */
  | 'FORBIDDEN_GLOBAL'
  /** Allowed opcodes used in a way torch.save never does: stack underflow, a call on a non-callable, BUILD on a tensor... */
  | 'PICKLE_MALFORMED'
  /** A storage type peftjs has no dtype for (complex, quantized). */
  | 'UNSUPPORTED_DTYPE'
  /** The pickle holds something other than a flat dict of names to tensors. */
  | 'NOT_A_STATE_DICT'
  /** One name set twice in the dict; Python would silently keep the last. */
  | 'DUPLICATE_NAME'
  /** A tensor whose shape, strides or offset reach outside its storage, or a storage of the wrong byte size. */
  | 'INVALID_TENSOR'
  /** A valid file, but an int64 value does not fit the int32 tfjs tensor asked for (the raw reader gives it exactly). */
  | 'INT_OUT_OF_RANGE';

/**
 * A `torch.save` file (PyTorch's zip of a pickle and raw storages) that peftjs
 * refuses to read. Every way a broken or hostile file can fail ends here: the
 * reader never runs code, and never allocates more than the limits allow.
 */
export class TorchFormatError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'TorchFormatError');
  }

  constructor(
    readonly reason: TorchFormatReason,
    message: string,
    /** The tensor or archive entry the problem was found in, when there is one. */
    readonly where?: string,
  ) {
    super('TORCH_FORMAT', `Invalid torch.save file (${reason}): ${message}`);
  }
}
