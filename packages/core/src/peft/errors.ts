import { PeftError } from '../errors';
import { brandErrorClass } from '../util/brand';

/** A method or layer that cannot fold its adapters into the base weights was asked to. */
export class NotMergeableError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'NotMergeableError');
  }

  constructor(message: string) {
    super('NOT_MERGEABLE', message);
  }
}

/** An operation on adapters that does not fit their current state (merged, active, missing...). */
export class AdapterStateError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterStateError');
  }

  constructor(message: string) {
    super('ADAPTER_STATE', message);
  }
}

/** An adapter file's tensors do not fit the adapter its config makes: missing, unexpected or implied by the config but absent. */
export class AdapterTensorMismatchError extends PeftError {
  static {
    brandErrorClass(this, 'core', 'AdapterTensorMismatchError');
  }

  constructor(message: string) {
    super('ADAPTER_TENSOR_MISMATCH', message);
  }
}
