/**
 * Folding a reparameterised encoder (P-tuning's MLP or LSTM, prefix tuning's
 * projection) into the plain table peft loads for inference: the encoder's
 * output becomes the `embedding` table and the network goes. Outputs do not
 * change; the adapter is then in inference mode, the form peft files describe
 * (they hold the output, `prompt_embeddings`, not the network). Saving does not
 * need it (saveAdapter writes a training-form encoder's output, as peft does):
 * folding switches a live model to the inference form, whose forward pass skips
 * the network.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_ADAPTER_NAME, InvalidArgumentError, NotFoundError, closestNames, getPeftMethod, type AnyModule, type PeftModel } from '@peftjs/core';
import type { PromptLearningEncoder } from './encoder';
import { promptEncoderOf, promptEncoderPath } from './method-parts';

/** The encoder of a prompt-learning adapter, or undefined for an adapter of another method. */
export function findPromptEncoder<In, Out>(model: PeftModel<In, Out>, adapterName: string): PromptLearningEncoder | undefined {
  return promptEncoderOf(model as unknown as AnyModule, adapterName);
}

/**
 * Replaces adapter `adapterName`'s encoder by its output, in place, and puts
 * the adapter in inference mode. Returns false if it was folded already
 * (prompt tuning, or a config loaded for inference). Active adapters and
 * modules_to_save values are kept.
 */
export function foldPromptEncoder<In, Out>(model: PeftModel<In, Out>, adapterName: string = DEFAULT_ADAPTER_NAME): boolean {
  const config = model.peftConfig[adapterName];
  if (config === undefined) {
    throw new NotFoundError(`foldPromptEncoder: no adapter named '${adapterName}' (adapters: ${model.adapterNames.join(', ') || 'none'})`, closestNames(adapterName, model.adapterNames));
  }
  const encoder = findPromptEncoder(model, adapterName);
  if (encoder === undefined) {
    throw new InvalidArgumentError(`foldPromptEncoder: expected a prompt-learning adapter, found '${adapterName}' of type ${config.peft_type}`);
  }
  if (encoder.folded) return false;
  const foldedConfig = getPeftMethod(config.peft_type).schema.parse({ ...config, inference_mode: true });
  const encoderPrefix = `${promptEncoderPath(adapterName)}.`;
  const active = model.activeAdapters;
  const training = encoder.training;
  // In eval mode: dropout (the LSTM's) must not reach the folded prompt.
  const folded = encoder.inferenceOutput();
  const kept = model.adapterState(adapterName).filter(([path]) => !path.startsWith(encoderPrefix)).map(([path, p]) => [path, tf.clone(p.variable)] as const);
  try {
    model.deleteAdapter(adapterName);
    model.addAdapter(adapterName, foldedConfig);
    findPromptEncoder(model, adapterName)!.train(training).embedding.weight.assign(folded);
    for (const [path, value] of kept) model.getParameter(path).assign(value);
    model.setAdapter(active);
  } finally {
    tf.dispose([folded, ...kept.map(([, value]) => value)]);
  }
  return true;
}
