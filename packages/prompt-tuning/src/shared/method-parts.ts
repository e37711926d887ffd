/**
 * What the three methods share in their core contract: no weight to merge,
 * the encoder kept at `prompt_encoder.<adapter>`, and peft's file names.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AnyModule } from '@peftjs/core';
import { PromptLearningEncoder } from './encoder';

/** peft's attribute of the PeftModel holding prompt encoders by adapter name. */
export const PROMPT_ENCODER_COLLECTION = 'prompt_encoder';

/** The one tensor peft stores for a prompt-learning adapter. */
export const PROMPT_EMBEDDINGS = 'prompt_embeddings';

const PEFT_BASE_MODEL = 'base_model.';

/** The encoder of a prompt-learning adapter in a PeftModel. */
export function promptEncoderPath(adapterName: string): string {
  return `${PROMPT_ENCODER_COLLECTION}.${adapterName}`;
}

/** The encoder of adapter `adapterName` in a PeftModel, or undefined for an adapter of another method. */
export function promptEncoderOf(model: AnyModule, adapterName: string): PromptLearningEncoder | undefined {
  try {
    const module = model.getSubmodule(promptEncoderPath(adapterName));
    return module instanceof PromptLearningEncoder ? module : undefined;
  } catch {
    return undefined;
  }
}

/**
 * peft's file names for a prompt-learning adapter's tensors (PeftMethod.fileName):
 *
 * - a folded encoder's table (inference form, or prompt tuning) is `prompt_embeddings`;
 * - a training-form encoder (a network over the table) is not written as is
 *   (null): peft writes its output instead, see promptLearningComputedFileTensors;
 * - modules_to_save copies are `base_model.<path>` (not `base_model.model.`):
 *   for prompt learning peft's PeftModel holds the transformer itself as
 *   `base_model`, with no tuner wrapper in between.
 */
export function promptLearningFileName(path: string, adapterName: string, model: AnyModule): string | null | undefined {
  const encoderPath = `${promptEncoderPath(adapterName)}.`;
  if (path.startsWith(encoderPath)) {
    const encoder = promptEncoderOf(model, adapterName);
    if (encoder !== undefined && !encoder.folded) return null;
    return path.slice(encoderPath.length) === 'embedding.weight' ? PROMPT_EMBEDDINGS : undefined;
  }
  const saved = `.modules_to_save.${adapterName}.`;
  const at = path.indexOf(saved);
  if (at > 0) return `${PEFT_BASE_MODEL}${path.slice(0, at)}.${path.slice(at + saved.length)}`;
  return undefined;
}

/**
 * PeftMethod.computedFileTensors, as peft's get_prompt_embedding_to_save: a
 * training-form encoder (P-tuning's MLP or LSTM, prefix tuning's projection)
 * is saved as its output, `prompt_embeddings`, computed in eval mode. The
 * model is left in its training form; the file loads for inference (the folded
 * form), as peft's does. A folded encoder's table is a parameter: nothing to compute.
 */
export function promptLearningComputedFileTensors(model: AnyModule, adapterName: string): Record<string, tf.Tensor> {
  const encoder = promptEncoderOf(model, adapterName);
  if (encoder === undefined || encoder.folded) return {};
  return { [PROMPT_EMBEDDINGS]: encoder.inferenceOutput() };
}
