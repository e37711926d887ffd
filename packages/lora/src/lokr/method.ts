/**
 * LoKr as a core PEFT method (peft's LoKrModel): Linear and Conv2D targets,
 * tensors under peft's names (`lokr_w1` ...; the adapter name removed in
 * files by core's generic rule, as peft's get_peft_model_state_dict does).
 */
import { registerPeftMethod, type PeftMethod } from '@peftjs/core';
import { injectLycoris } from '../lycoris/inject';
import { LOKR, lokrConfigSchema, type LokrConfig } from './config';
import { LokrLayer, isLokrLayer } from './layer';

const shapeOptions = (r: number, config: LokrConfig) => ({
  r,
  decomposeBoth: config.decompose_both,
  decomposeFactor: config.decompose_factor,
  useEffectiveConv2d: config.use_effective_conv2d,
});

export const lokrMethod: PeftMethod<LokrConfig> = {
  peftType: LOKR,
  schema: lokrConfigSchema,
  tensorKeyPrefixes: ['lokr_'],
  mergeable: true,
  inject: (context) =>
    injectLycoris(context, {
      method: LOKR,
      isLayer: isLokrLayer,
      create: (module) => new LokrLayer(module),
      plannedShapes: (layer, adapter, r, config) => layer.plannedShapes(adapter, shapeOptions(r, config)),
      addAdapter: (layer, adapter, { r, alpha }, config) =>
        layer.addAdapter(adapter, {
          ...shapeOptions(r, config),
          alpha,
          rankDropout: config.rank_dropout,
          moduleDropout: config.module_dropout,
          rankDropoutScale: config.rank_dropout_scale,
          initWeights: config.init_weights,
        }),
    }),
};

/** Registers LoKr with core. Importing @peftjs/lora does this; calling it again is harmless. */
export function registerLokr(): void {
  registerPeftMethod(lokrMethod);
}
