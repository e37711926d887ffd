/** LoRA's typed errors; everything else uses core's (InvalidArgumentError, NotFoundError, ShapeMismatchError, ...). */
import { brandErrorClass, PeftError } from '@peftjs/core';

/** A target module of a type LoRA cannot adapt. */
export class UnsupportedLayerError extends PeftError {
  static {
    brandErrorClass(this, 'lora', 'UnsupportedLayerError');
  }

  constructor(
    readonly path: string,
    readonly layerType: string,
    method = 'LORA',
    supported = "LoRA adapts Linear, GPT-2's Conv1D, Embedding and Conv2D layers",
  ) {
    super('UNSUPPORTED_LAYER', `${method}: target module '${path}' is a ${layerType}; ${supported}`);
  }
}

/** A safe merge found NaN or infinite values; nothing was changed. */
export class NonFiniteMergeError extends PeftError {
  static {
    brandErrorClass(this, 'lora', 'NonFiniteMergeError');
  }

  constructor(readonly adapterName: string) {
    super('NON_FINITE_MERGE', `merging adapter '${adapterName}' gives NaN or infinite weights (the adapter seems broken); the weights were left unchanged`);
  }
}

/** An adapter that cannot replace the loaded one in place (another type, other layers, a larger rank); nothing was changed. */
export class HotswapError extends PeftError {
  static {
    brandErrorClass(this, 'lora', 'HotswapError');
  }

  constructor(
    readonly adapterName: string,
    reason: string,
  ) {
    super('HOTSWAP_INCOMPATIBLE', `cannot hotswap adapter '${adapterName}': ${reason}; the loaded adapter was left unchanged`);
  }
}
