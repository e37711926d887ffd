// @peftjs/core: the public API, named explicitly so that what is exported is a decision.
export { PeftError, ShapeMismatchError, NotFoundError, InvalidArgumentError, StateDictMismatchError, type PeftErrorCode, type PeftErrorCodes } from './errors';
export { brandClass, brandErrorClass } from './util/brand';
export * from './backend/index';
export * from './nn/index';
export {
  freeze,
  unfreeze,
  markOnlyTrainable,
  trainableParameters,
  compilePattern,
  type ParameterPattern,
  type ParameterPredicate,
} from './freeze';
export {
  countParameters,
  formatTrainableParameters,
  printTrainableParameters,
  OPTIMIZER_STATE_SLOTS,
  type ParameterCount,
  type ModuleCount,
  type OptimizerName,
} from './accounting';
export * from './peft/index';
export * from './io/index';
export * from './io/files';
export * from './training/index';
export { closestNames } from './util/closest';
export { quoteText, quoteValue } from './util/quote';
export { setWarningHandler, warn, type WarningHandler } from './util/log';
import './register-gradients';
