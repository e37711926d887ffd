/**
 * LN tuning as a core PEFT method, as peft's LNTuningModel: targets by peft's
 * rules (defaults per architecture), each replaced by an LNTuningLayer holding
 * one trainable copy per adapter. A target must be a norm: a module with
 * parameters, all of them vectors (core's LayerNorm, an RMSNorm, ...); any
 * other is refused before anything is changed.
 */
import { NotFoundError, defaultTargetModules, findTargetModules, isAdapterLayer, type AnyModule, type InjectionContext, type PeftMethod } from '@peftjs/core';
import { PlacementError, UnsupportedTargetError } from '../errors';
import { LN_TUNING, lnTuningConfigSchema, type LNTuningConfig } from './config';
import { LNTuningLayer, isLNTuningLayer } from './layer';

function withDefaults(model: AnyModule, config: LNTuningConfig): void {
  if (config.target_modules !== null) return;
  const defaults = defaultTargetModules(model, LN_TUNING);
  if (defaults === undefined) {
    throw new NotFoundError(`${LN_TUNING}: target_modules must be given for a ${model.constructor.name} (peft knows default norm layers for GPT-2 and the Llama family only)`);
  }
  config.target_modules = [...defaults.target_modules];
}

/** What LN tuning copies: a module whose parameters (at least one) are all 1-D. */
function assertNorm(module: AnyModule, path: string): void {
  const parameters = module.namedParameters();
  const matrix = parameters.find(([, p]) => p.shape.length !== 1);
  if (parameters.length === 0 || matrix !== undefined) {
    const found = matrix ? `parameter '${matrix[0]}' of shape [${matrix[1].shape.join(', ')}]` : 'no parameters';
    throw new UnsupportedTargetError(path, `${LN_TUNING}: '${path}' is a ${module.constructor.name}; expected a norm layer (parameters that are all vectors), found ${found}`);
  }
}

function injectLNTuning(context: InjectionContext<LNTuningConfig>): void {
  const { model, adapterName, config } = context;
  withDefaults(model, config);
  const paths = findTargetModules(model, config, { method: LN_TUNING });
  const plans = paths.map((path) => {
    const module = model.getSubmodule(path);
    if (isLNTuningLayer(module)) return { path, layer: module, created: false };
    if (isAdapterLayer(module)) throw new PlacementError(`${LN_TUNING}: '${path}' is already adapted by ${module.peftType}; methods do not nest`);
    assertNorm(module, path);
    return { path, layer: new LNTuningLayer(module), created: true };
  });
  context.checkPlannedParameters(
    plans.flatMap(({ path, layer }) =>
      (layer.baseLayer as unknown as AnyModule).namedParameters().map(([name, p]) => ({ path: `${path}.ln_tuning_layers.${adapterName}.${name}`, shape: p.shape })),
    ),
  );
  for (const { path, layer, created } of plans) {
    if (created) context.replaceModule(path, layer as unknown as AnyModule);
    layer.addAdapter(adapterName);
  }
}

export const lnTuningMethod: PeftMethod<LNTuningConfig> = {
  peftType: LN_TUNING,
  schema: lnTuningConfigSchema,
  tensorKeyPrefixes: ['ln_tuning_'],
  mergeable: true,
  inject: injectLNTuning,
};
