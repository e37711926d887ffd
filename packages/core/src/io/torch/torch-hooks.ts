/**
 * What the names in a torch.save pickle mean, for a state dict of plain tensors:
 * `collections.OrderedDict()` is an empty dict, a persistent id
 * `('storage', torch.FloatStorage, key, location, numel)` is a storage record,
 * and `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` is a
 * view of one. Every other global is refused when the GLOBAL opcode names it,
 * before anything could call it.
 */
import { MAX_RANK, quoteName } from '../safetensors/header';
import { SAFETENSORS_DTYPES, type SafetensorsDtype } from '../safetensors/dtypes';
import { TorchFormatError } from './errors';
import { PickleDict, PickleOpaque, PickleTuple, describe, type PickleHooks, type PickleValue } from './pickle';
import { STORAGE_DTYPES, UNSUPPORTED_STORAGES } from './storage-types';

class AllowedGlobal extends PickleOpaque {
  constructor(readonly qualifiedName: 'collections.OrderedDict' | 'torch._utils._rebuild_tensor_v2') {
    super();
  }

  describe(): string {
    return qualifiedName(this.qualifiedName);
  }
}

/** `torch.FloatStorage` and the like: only ever the second item of a persistent id. */
export class StorageType extends PickleOpaque {
  constructor(
    readonly name: string,
    readonly dtype: SafetensorsDtype,
  ) {
    super();
  }

  describe(): string {
    return qualifiedName(`torch.${this.name}`);
  }
}

/** A storage record of the archive, `data/<key>`, holding `numel` elements of `dtype`. */
export class StorageRef extends PickleOpaque {
  constructor(
    readonly key: string,
    readonly dtype: SafetensorsDtype,
    readonly numel: number,
  ) {
    super();
  }

  describe(): string {
    return `storage ${quoteName(this.key)}`;
  }
}

/** A strided view of a storage, as `_rebuild_tensor_v2` would build it. */
export class TensorRef extends PickleOpaque {
  constructor(
    readonly storage: StorageRef,
    /** In elements. */
    readonly offset: number,
    readonly shape: readonly number[],
    /** In elements, per dimension. */
    readonly stride: readonly number[],
  ) {
    super();
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  describe(): string {
    return `a tensor [${this.shape.join(', ')}]`;
  }
}

const qualifiedName = (name: string) => `the global ${quoteName(name)}`;

export const TORCH_STATE_DICT_HOOKS: PickleHooks = {
  global(module, name) {
    if (module === 'collections' && name === 'OrderedDict') return new AllowedGlobal('collections.OrderedDict');
    if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return new AllowedGlobal('torch._utils._rebuild_tensor_v2');
    if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, name)) return new StorageType(name, STORAGE_DTYPES[name]);
    if (module === 'torch' && UNSUPPORTED_STORAGES.has(name)) {
      throw new TorchFormatError('UNSUPPORTED_DTYPE', `torch.${name} has no dtype peftjs can hold; known storages: ${Object.keys(STORAGE_DTYPES).join(', ')}`);
    }
    throw new TorchFormatError(
      'FORBIDDEN_GLOBAL',
      `the pickle asks for ${quoteName(`${module}.${name}`)}; a state dict of tensors needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch's storage types`,
    );
  },

  reduce(callable, args) {
    if (callable instanceof AllowedGlobal && callable.qualifiedName === 'collections.OrderedDict') {
      if (args.items.length !== 0) throw malformed(`OrderedDict is called with ${args.items.length} arguments; torch.save calls it with none`);
      return new PickleDict(true);
    }
    if (callable instanceof AllowedGlobal) return rebuildTensor(args);
    throw malformed(`REDUCE calls ${describe(callable)}, which is not callable here`);
  },

  persistentLoad(pid) {
    const items = pid instanceof PickleTuple ? pid.items : [];
    const [tag, type, key, location, numel] = items;
    if (items.length !== 5 || tag !== 'storage' || !(type instanceof StorageType) || typeof key !== 'string' || typeof location !== 'string') {
      throw malformed(`a persistent id must be ('storage', <torch storage type>, key, location, numel), found ${describe(pid)}`);
    }
    if (!isCount(numel)) throw malformed(`storage ${quoteName(key)} has ${describe(numel)} elements`);
    return new StorageRef(key, type.dtype, numel);
  },

  build(target, state) {
    // A module's state_dict() is an OrderedDict with a `_metadata` attribute (per-module versions):
    // pickled as BUILD with the instance's __dict__. Only that is accepted, and it is dropped.
    if (!(target instanceof PickleDict && target.isInstance) || !(state instanceof PickleDict)) {
      throw malformed(`BUILD sets ${describe(state)} on ${describe(target)}; only an OrderedDict's attribute dict is accepted`);
    }
  },
};

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(args: PickleTuple): TensorRef {
  const [storage, offset, size, stride, requiresGrad, hooks, metadata] = args.items;
  if (args.items.length < 6 || args.items.length > 7) throw malformed(`_rebuild_tensor_v2 takes 6 or 7 arguments, found ${args.items.length}`);
  if (!(storage instanceof StorageRef)) throw malformed(`_rebuild_tensor_v2's storage is ${describe(storage)}`);
  if (typeof requiresGrad !== 'boolean') throw malformed(`_rebuild_tensor_v2's requires_grad is ${describe(requiresGrad)}`);
  // Backward hooks would be functions, which no allowed global makes; metadata is only for tensor subclasses.
  if (!(hooks instanceof PickleDict) || hooks.entries.size > 0) throw malformed(`_rebuild_tensor_v2's backward_hooks is ${describe(hooks)}, not an empty OrderedDict`);
  if (args.items.length === 7 && metadata !== null && !(metadata instanceof PickleDict && metadata.entries.size === 0)) {
    throw malformed(`_rebuild_tensor_v2's metadata is ${describe(metadata)}; tensor metadata is not read`);
  }
  const shape = intTuple(size, 'size', storage);
  const strides = intTuple(stride, 'stride', storage);
  if (!isCount(offset)) throw invalid(storage, `storage offset is ${describe(offset)}`);
  if (strides.length !== shape.length) throw invalid(storage, `size [${shape.join(', ')}] has ${shape.length} dimensions, stride [${strides.join(', ')}] ${strides.length}`);
  const tensor = new TensorRef(storage, offset, shape, strides);
  checkInsideStorage(tensor);
  return tensor;
}

function intTuple(value: PickleValue, what: string, storage: StorageRef): number[] {
  if (!(value instanceof PickleTuple) || !value.items.every(isCount)) throw invalid(storage, `${what} is ${describe(value)}, not a tuple of integers >= 0`);
  if (value.items.length > MAX_RANK) throw invalid(storage, `${what} has ${value.items.length} dimensions, more than the ${MAX_RANK} allowed`);
  return value.items as number[];
}

/** Every element the view can reach lies inside the storage; the element count is an exact number. */
function checkInsideStorage(tensor: TensorRef): void {
  let count = 1;
  let last = tensor.offset;
  tensor.shape.forEach((dim, i) => {
    count *= dim;
    last += (dim - 1) * tensor.stride[i];
  });
  if (!Number.isSafeInteger(count) || !Number.isSafeInteger(last) || count * SAFETENSORS_DTYPES[tensor.storage.dtype].byteSize > Number.MAX_SAFE_INTEGER) {
    throw invalid(tensor.storage, `shape [${tensor.shape.slice(0, 8).join(', ')}] has too many elements`);
  }
  const reaches = count === 0 ? tensor.offset : last + 1;
  if (reaches > tensor.storage.numel) {
    throw invalid(
      tensor.storage,
      `a view with offset ${tensor.offset}, size [${tensor.shape.join(', ')}] and stride [${tensor.stride.join(', ')}] needs ${reaches} elements, the storage has ${tensor.storage.numel}`,
    );
  }
}

function isCount(value: PickleValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function malformed(message: string): TorchFormatError {
  return new TorchFormatError('PICKLE_MALFORMED', message);
}

function invalid(storage: StorageRef, message: string): TorchFormatError {
  return new TorchFormatError('INVALID_TENSOR', `a tensor of storage ${quoteName(storage.key)}: ${message}`);
}
