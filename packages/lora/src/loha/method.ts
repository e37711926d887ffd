/**
 * LoHa as a core PEFT method (peft's LoHaModel): Linear and Conv2D targets,
 * tensors under peft's names (`hada_w1_a` ...; the adapter name removed in
 * files by core's generic rule, as peft's get_peft_model_state_dict does).
 */
import { registerPeftMethod, type PeftMethod } from '@peftjs/core';
import { injectLycoris } from '../lycoris/inject';
import { LOHA, lohaConfigSchema, type LohaConfig } from './config';
import { LohaLayer, isLohaLayer } from './layer';

export const lohaMethod: PeftMethod<LohaConfig> = {
  peftType: LOHA,
  schema: lohaConfigSchema,
  tensorKeyPrefixes: ['hada_'],
  mergeable: true,
  inject: (context) =>
    injectLycoris(context, {
      method: LOHA,
      isLayer: isLohaLayer,
      create: (module) => new LohaLayer(module),
      plannedShapes: (layer, adapter, r, config) => layer.plannedShapes(adapter, r, config.use_effective_conv2d),
      addAdapter: (layer, adapter, { r, alpha }, config) =>
        layer.addAdapter(adapter, {
          r,
          alpha,
          rankDropout: config.rank_dropout,
          moduleDropout: config.module_dropout,
          useEffectiveConv2d: config.use_effective_conv2d,
          initWeights: config.init_weights,
        }),
    }),
};

/** Registers LoHa with core. Importing @peftjs/lora does this; calling it again is harmless. */
export function registerLoha(): void {
  registerPeftMethod(lohaMethod);
}

