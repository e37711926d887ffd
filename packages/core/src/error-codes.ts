/**
 * Every `code` a PeftError of the @peftjs packages can carry, each with the
 * class that carries it, so `error.code` is typed and a `switch` over it can
 * be checked for exhaustiveness. Codes are stable: they are what callers and
 * tests compare, not messages.
 *
 * A package outside @peftjs that throws errors of its own adds its codes by
 * declaration merging:
 *
 * ```ts
 * declare module '@peftjs/core' {
 *   interface PeftErrorCodes { MY_METHOD_CONFIG: 'MyMethodConfigError' }
 * }
 * ```
 */
export interface PeftErrorCodes {
  // ---- @peftjs/core -----------------------------------------------------------
  SHAPE_MISMATCH: 'ShapeMismatchError';
  NOT_FOUND: 'NotFoundError';
  INVALID_ARGUMENT: 'InvalidArgumentError';
  STATE_DICT_MISMATCH: 'StateDictMismatchError';
  BACKEND_NOT_INSTALLED: 'BackendNotInstalledError';
  UNKNOWN_BACKEND: 'UnknownBackendError';
  BACKEND_INIT_FAILED: 'BackendInitError';
  NO_BACKEND: 'NoBackendError';
  UNSUPPORTED_BACKEND: 'UnsupportedBackendError';
  UNSUPPORTED_GRADIENT: 'UnsupportedGradientError';
  WASM_THREADS_UNAVAILABLE: 'WasmThreadsUnavailableError';
  SAFETENSORS_FORMAT: 'SafetensorsFormatError';
  ADAPTER_FORMAT: 'AdapterFormatError';
  NOT_MERGEABLE: 'NotMergeableError';
  ADAPTER_STATE: 'AdapterStateError';
  NO_TRAINABLE_PARAMETERS: 'NoTrainableParametersError';
  /** Also @peftjs/meta-learning's NonFiniteMetaLossError: the same condition, in the meta-loop. */
  NON_FINITE_LOSS: 'NonFiniteLossError';
  LOSS_NOT_CONNECTED: 'LossNotConnectedError';
  CHECKPOINT: 'CheckpointError';
  TRAINING_DATA: 'TrainingDataError';
  ADAPTER_LAYER_NOT_CALLED: 'AdapterLayerNotCalledError';
  INVALID_PATTERN: 'InvalidPatternError';
  TORCH_FORMAT: 'TorchFormatError';
  ADAPTER_FOLDER_BUSY: 'AdapterFolderBusyError';
  UNSAFE_PATH: 'UnsafePathError';
  ADAPTER_FETCH: 'AdapterFetchError';
  /** IndexedDB adapter store (browser persistence). */
  ADAPTER_STORE: 'AdapterStoreError';
  /** A file function called in the browser build of @peftjs/core. */
  FILE_SYSTEM_UNAVAILABLE: 'FileSystemUnavailableError';
  /** An adapter file's tensor names do not fit the model's adapter. */
  ADAPTER_TENSOR_MISMATCH: 'AdapterTensorMismatchError';
  // Internal invariants and method-author mistakes, thrown as a bare PeftError.
  /** The gradient accumulator was asked for means before any micro-batch. */
  NO_MICRO_BATCH: 'PeftError';
  /** A method left one of its parameters without a peft file name. */
  UNNAMED_TENSOR: 'PeftError';
  /** A method's computedFileTensors returned a variable or a disposed tensor. */
  COMPUTED_FILE_TENSOR: 'PeftError';
  /** Two parameters of one adapter map to one file name. */
  FILE_NAME_COLLISION: 'PeftError';
  /** A method added other parameters than it planned (InjectionContext.checkPlannedParameters). */
  PLAN_MISMATCH: 'PeftError';

  // ---- @peftjs/lora -----------------------------------------------------------
  /** Also @peftjs/models' UnsupportedLayerError (a layer with no counterpart on import or export). */
  UNSUPPORTED_LAYER: 'UnsupportedLayerError';
  NON_FINITE_MERGE: 'NonFiniteMergeError';
  HOTSWAP_INCOMPATIBLE: 'HotswapError';

  // ---- @peftjs/adapters -------------------------------------------------------
  INVALID_COMPOSITION: 'CompositionError';
  INVALID_PLACEMENT: 'PlacementError';
  UNSUPPORTED_TARGET: 'UnsupportedTargetError';
  INVALID_TOKEN_INDICES: 'TokenIndicesError';

  // ---- @peftjs/prompt-tuning --------------------------------------------------
  UNSUPPORTED_MODEL: 'UnsupportedModelError';
  PROMPT_TOO_LONG: 'PromptTooLongError';
  PROMPT_INIT: 'PromptInitError';

  // ---- @peftjs/meta-learning --------------------------------------------------
  EMPTY_PARAMETER_SUBSET: 'EmptyParameterSubsetError';
  EPISODE_SIZE: 'EpisodeSizeError';

  // ---- @peftjs/models ---------------------------------------------------------
  CHECKPOINT_KEYS: 'CheckpointKeysError';
  MODEL_CONFIG: 'ModelConfigError';
  TOKEN_ID_OUT_OF_RANGE: 'TokenIdOutOfRangeError';
  /** A tokenizer.json or tokenizer_config.json that is malformed, too large, or of a type the tokenizer does not run. */
  TOKENIZER_FORMAT: 'TokenizerFormatError';
  /** A chat template that is missing, fails to parse, throws while rendering or renders too much. */
  CHAT_TEMPLATE: 'ChatTemplateError';
  /** A checkpoint folder or URL whose files are missing, unsafe, too large or unreachable, or whose shard index is malformed. */
  CHECKPOINT_SOURCE: 'CheckpointSourceError';
}

export type PeftErrorCode = keyof PeftErrorCodes;
