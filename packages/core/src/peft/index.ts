export { AdapterLayer, isAdapterLayer, type MergeOptions } from './adapter-layer';
export { ModulesToSaveWrapper, MODULES_TO_SAVE_TYPE } from './modules-to-save';
export {
  withAdapterNames,
  currentMixedBatch,
  forwardMixedBatch,
  forwardByRowGroups,
  BASE_ADAPTER_NAME,
  type MixedBatch,
  type MixedBatchOptions,
  type MixedBatchStrategy,
} from './mixed-batch';
export { PeftModel, getPeftModel } from './peft-model';
export type { SaveAdapterOptions, LoadAdapterOptions } from './peft-model-io';
export type { LoadAdapterBytesOptions } from './adapter-sources';
export { adapterFileState, assignAdapterFileState, adapterFileNames, type AdapterFileState } from './adapter-files';
export { registerPeftMethod, unregisterPeftMethod, getPeftMethod, registeredPeftTypes, parsePeftConfig } from './registry';
export type { PeftMethod, InjectionContext, ForwardTransform, PlannedParameter } from './method';
export { registerAuxiliaryTraining, auxiliaryTraining, auxiliaryTrainingFor, type AuxiliaryTraining } from './auxiliary-training';
export { defineConfigSchema, COMMON_FIELDS, type PeftConfig, type ConfigSchema, type ConfigOf, type FieldTable } from './config/schema';
export { fields, type Field, type NumberOptions } from './config/fields';
export { TASK_HEADS, taskHeads } from './task-heads';
export { defaultTargetModules, knownArchitecture, type DefaultTargets, type KnownArchitecture } from './default-targets';
export { findTargetModules, matchesModuleKey, checkModulePattern, adaptableModules, type TargetSpec, type TargetOptions } from './targets';
export {
  compileFullMatch,
  compilePatternKey,
  clearPatternCache,
  fieldWithKey,
  InvalidPatternError,
  PATTERN_LIMITS,
  type CompiledPattern,
  type InvalidPatternReason,
} from './patterns/index';
export { NotMergeableError, AdapterStateError, AdapterTensorMismatchError } from './errors';
