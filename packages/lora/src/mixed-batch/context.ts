/**
 * Mixed-adapter batches (peft's `adapter_names`): the context lives in
 * @peftjs/core so that every adapter layer follows it, LoRA's and core's
 * modules_to_save copies (per-task heads) alike. Re-exported here, where users
 * of LoRA's mixed batches look for it.
 */
export { BASE_ADAPTER_NAME, currentMixedBatch, withAdapterNames, forwardMixedBatch, type MixedBatch, type MixedBatchOptions, type MixedBatchStrategy } from '@peftjs/core';
