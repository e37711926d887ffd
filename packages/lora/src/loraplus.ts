/**
 * LoRA+ (Hayou, Ghosh & Yu 2024): lora_B learns `ratio` times faster than
 * lora_A, which the paper shows to train wide models faster and better at no
 * extra cost. The groups are peft's `create_loraplus_optimizer`'s, built on
 * core's parameter groups:
 *
 * - `lora_B` parameters and every other 1-D parameter: learning rate × ratio;
 *   biases and LayerNorm parameters among them without weight decay;
 * - everything else trainable: the base learning rate.
 *
 * peft also defines an embedding group (`loraplus_lr_embedding`), but its test
 * looks at the parameter, never an Embedding module, so that group is always
 * empty and LoRA embedding factors step at the base rate; we do the same, so
 * a recipe tuned with peft trains the same here.
 */
import { createOptimizer, InvalidArgumentError, LayerNorm, trainableParameters, type Module, type Optimizer, type OptimizerKind, type ParameterGroup } from '@peftjs/core';

export interface LoraPlusOptions {
  /** peft's `loraplus_lr_ratio`: lora_B's learning rate over lora_A's (the paper suggests 16 for many models). */
  readonly ratio: number;
  /** The base learning rate (lora_A and the rest). */
  readonly learningRate: number;
  /** Weight decay of the groups that decay (default 0). */
  readonly weightDecay?: number;
}

/** The trainable parameters of `model` in LoRA+'s groups, by the names the training loop gives them. */
export function loraPlusParameterGroups(model: Module<never, unknown>, options: LoraPlusOptions): ParameterGroup[] {
  const { ratio, learningRate } = options;
  if (!(Number.isFinite(ratio) && ratio > 0)) throw new InvalidArgumentError(`LoRA+ ratio: expected a finite number > 0, found ${ratio}`);
  if (!(Number.isFinite(learningRate) && learningRate > 0)) throw new InvalidArgumentError(`LoRA+ learningRate: expected a finite number > 0, found ${learningRate}`);
  const weightDecay = options.weightDecay ?? 0;
  const inLayerNorm = layerNormParameterNames(model);
  const fast: string[] = [];
  const fastNoDecay: string[] = [];
  const base: string[] = [];
  for (const [name, parameter] of trainableParameters(model)) {
    if (/(^|\.)lora_B(\.|$)/.test(name) || parameter.shape.length === 1) {
      (/bias/.test(name) || inLayerNorm.has(name) ? fastNoDecay : fast).push(name);
    } else base.push(name);
  }
  return [
    { parameters: base, learningRate, weightDecay },
    { parameters: fast, learningRate: learningRate * ratio, weightDecay },
    { parameters: fastNoDecay, learningRate: learningRate * ratio, weightDecay: 0 },
  ];
}

/** An optimiser (adamw by default, as peft's examples use) over LoRA+'s groups; pass it as the training loop's `optimizer`. */
export function createLoraPlusOptimizer(model: Module<never, unknown>, options: LoraPlusOptions & { readonly optimizer?: OptimizerKind }): Optimizer {
  const parameterGroups = loraPlusParameterGroups(model, options);
  return createOptimizer({ name: options.optimizer ?? 'adamw', learningRate: options.learningRate, weightDecay: options.weightDecay ?? 0, parameterGroups });
}

/** Names of parameters that belong to LayerNorm modules (transformers' ALL_LAYERNORM_LAYERS, which never decay). */
function layerNormParameterNames(model: Module<never, unknown>): Set<string> {
  const names = new Set<string>();
  for (const [path, module] of model.namedModules()) {
    if (!(module instanceof LayerNorm)) continue;
    for (const [name] of module.namedParameters()) names.add(path === '' ? name : `${path}.${name}`);
  }
  return names;
}
