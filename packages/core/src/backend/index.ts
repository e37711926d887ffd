/**
 * The tensor backend interface of @peftjs/core: choose and start the tfjs
 * engine, report what runs, and fill the gaps that stop training on it.
 */
export type { BackendDevice, BackendInfo, BackendName, ResolvedBackendName, UseBackendOptions } from './types';
export { useBackend, backendInfo } from './use-backend';
export { BackendInitError, BackendNotInstalledError, NoBackendError, UnknownBackendError, UnsupportedBackendError, UnsupportedGradientError } from './errors';
export { WasmThreadsUnavailableError } from './wasm-threads';
export { registerGradients } from './gradients';
export { registerWasmTrainingKernels } from './wasm-kernels';
export { matMul, transposeLastTwo } from './matmul';
