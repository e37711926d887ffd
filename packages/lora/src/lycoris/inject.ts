/**
 * How LoHa and LoKr put themselves into a model for one adapter (peft's
 * LycorisTuner): find the targets, wrap each Linear or Conv2D in the method's
 * layer or add the adapter to the method's layer already there. Every target
 * is checked and every parameter shape handed to core before anything changes.
 */
import { Linear, NotFoundError, defaultTargetModules, findTargetModules, isAdapterLayer, type AnyModule, type InjectionContext } from '@peftjs/core';
import { UnsupportedLayerError } from '../errors';
import { isOutputHead } from '../model';
import { lycorisBase } from './base';
import { lycorisRankAndAlpha, type LycorisConfig } from './config';
import type { LycorisLayer } from './layer';

export interface LycorisMethodLayers<C extends LycorisConfig, L extends LycorisLayer> {
  readonly method: string;
  isLayer(module: unknown): module is L;
  create(module: AnyModule): L;
  plannedShapes(layer: L, adapter: string, r: number, config: C): Array<[string, number[]]>;
  addAdapter(layer: L, adapter: string, rank: { r: number; alpha: number }, config: C): void;
}

interface Target<L> {
  readonly path: string;
  readonly layer: L;
  readonly created: boolean;
  readonly r: number;
  readonly alpha: number;
}

export function injectLycoris<C extends LycorisConfig, L extends LycorisLayer>(context: InjectionContext<C>, layers: LycorisMethodLayers<C, L>): void {
  const { model, adapterName, config } = context;
  const { method } = layers;
  if (config.target_modules === null) {
    // peft's LoHa and LoKr default targets are copies of LoRA's (constants.py), so LoRA's stand in where core has none of their own.
    const known = defaultTargetModules(model, method) ?? defaultTargetModules(model, 'LORA');
    if (known === undefined) throw new NotFoundError(`${method}: target_modules is not set and peftjs knows no default for a ${model.constructor.name}; name the modules to adapt`);
    config.target_modules = [...known.target_modules];
  }
  const paths = findTargetModules(model, config, { method, allLinear: (module, path) => module instanceof Linear && !isOutputHead(model, module, path) });
  const targets = paths.map((path): Target<L> => {
    const module = model.getSubmodule(path);
    const held = layers.isLayer(module);
    if (isAdapterLayer(module) && !held) throw new UnsupportedLayerError(path, `${module.constructor.name} (another method's layer)`, method, `${method} adapts Linear and Conv2D layers`);
    lycorisBase(held ? (module.baseLayer as unknown as AnyModule) : module, path, method);
    const layer = held ? module : layers.create(module);
    return { path, layer, created: !held, ...lycorisRankAndAlpha(config, path) };
  });
  context.checkPlannedParameters(
    targets.flatMap(({ path, layer, r }) => layers.plannedShapes(layer, adapterName, r, config).map(([inner, shape]) => ({ path: `${path}.${inner}`, shape }))),
  );
  for (const { path, layer, created, r, alpha } of targets) {
    if (created) context.replaceModule(path, layer as unknown as AnyModule);
    layers.addAdapter(layer, adapterName, { r, alpha }, config);
  }
}
