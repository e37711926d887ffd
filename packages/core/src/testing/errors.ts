/** Typed errors of the contract kit's checks, so a method package's test failure says what broke and where. */
import { brandErrorClass, PeftError } from '@peftjs/core';

/**
 * A forward pass that never ran some adapter layers: the model calls modules
 * it captured before the PEFT method replaced them, so the adapter neither
 * changes the output nor gets gradients.
 */
export class AdapterLayerNotCalledError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterLayerNotCalledError');
  }

  constructor(
    /** Paths (relative to the base model) of the adapter layers the forward pass never called. */
    readonly paths: readonly string[],
    /** The `peft_type` of each, in the same order. */
    readonly peftTypes: readonly string[],
  ) {
    const listed = paths.map((path, i) => `'${path}' (${peftTypes[i]})`).join(', ');
    super(
      'ADAPTER_LAYER_NOT_CALLED',
      `forward pass: expected every adapter layer to run, found ${paths.length} never called: ${listed}. ` +
        "The model's forward calls the module it held before the PEFT method replaced it: hold children in fields " +
        'assigned from addModule (setSubmodule keeps those in step) or read them with getSubmodule, ' +
        'not in closures, #private fields or fields of other modules',
    );
  }
}
