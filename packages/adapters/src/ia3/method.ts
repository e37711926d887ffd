/**
 * IA3 as a core PEFT method, as peft's IA3Model: targets by peft's rules
 * (defaults per architecture), Linear and Conv1D layers, feed-forward layers
 * scaled on their input. Every target is checked before any is wrapped.
 */
import {
  Conv1D,
  InvalidArgumentError,
  Linear,
  NotFoundError,
  defaultTargetModules,
  findTargetModules,
  isAdapterLayer,
  matchesModuleKey,
  type AnyModule,
  type InjectionContext,
  type PeftMethod,
} from '@peftjs/core';
import { compositionState } from '../composition/state';
import { PlacementError } from '../errors';
import { warn } from '../util/warn';
import { IA3, ia3ConfigSchema, type IA3Config } from './config';
import { IA3Layer, isIA3Layer } from './layer';

function withDefaults(model: AnyModule, config: IA3Config): void {
  if (config.target_modules !== null && config.feedforward_modules !== null) return;
  const defaults = defaultTargetModules(model, IA3);
  if (defaults === undefined) {
    throw new NotFoundError(`${IA3}: target_modules and feedforward_modules must be given for a ${model.constructor.name} (peftjs knows defaults for GPT-2 and BERT only)`);
  }
  config.target_modules ??= [...defaults.target_modules];
  config.feedforward_modules ??= [...(defaults.feedforward_modules ?? [])];
}

/** peft's rule: a regex must match the whole path; a list entry matches the end of the path. */
function isFeedForward(config: IA3Config, path: string): boolean {
  const spec = config.feedforward_modules ?? [];
  return matchesModuleKey(spec, path, 'feedforward_modules');
}

function injectIA3(context: InjectionContext<IA3Config>): void {
  const { model, adapterName, config } = context;
  withDefaults(model, config);
  const paths = findTargetModules(model, config, {
    method: IA3,
    isCandidate: (module) => module instanceof Linear || module instanceof Conv1D || isAdapterLayer(module),
  });
  const state = compositionState(model);
  const plans = paths.map((path) => {
    const module = model.getSubmodule(path);
    const feedForward = isFeedForward(config, path);
    if (isIA3Layer(module)) {
      if (module.isFeedForward !== feedForward) {
        throw new InvalidArgumentError(`${IA3}: '${path}' is ${module.isFeedForward ? '' : 'not '}a feed-forward layer for the adapters already on it; feedforward_modules must agree`);
      }
      return { path, layer: module, created: false };
    }
    if (isAdapterLayer(module)) throw new PlacementError(`${IA3}: '${path}' is already adapted by ${module.peftType}; methods do not nest`);
    const isConv1D = module instanceof Conv1D;
    if (config.fan_in_fan_out !== isConv1D) {
      warn(`${IA3}: fan_in_fan_out is ${config.fan_in_fan_out} but '${path}' is a ${isConv1D ? 'Conv1D (weight [in, out])' : 'Linear (weight [out, in])'}; using ${isConv1D} for it, as peft does`);
    }
    return { path, layer: new IA3Layer(module as unknown as Linear, feedForward, state), created: true };
  });
  for (const { path, layer, created } of plans) {
    if (created) context.replaceModule(path, layer as unknown as AnyModule);
    layer.addAdapter(adapterName, config.init_ia3_weights);
  }
}

export const ia3Method: PeftMethod<IA3Config> = {
  peftType: IA3,
  schema: ia3ConfigSchema,
  tensorKeyPrefixes: ['ia3_'],
  mergeable: true,
  inject: injectIA3,
};
