/**
 * BOTTLENECK as a core PEFT method: plan every site (which throws on bad
 * input before anything changes), then wrap each site and source module in a
 * BottleneckLayer, or add to the one already there.
 */
import type { AnyModule, InjectionContext, PeftMethod } from '@peftjs/core';
import { compositionState } from '../composition/state';
import { BOTTLENECK, bottleneckConfigSchema, type BottleneckConfig } from './config';
import { BottleneckLayer, isBottleneckLayer } from './layer';
import { planSites } from './placement';

function injectBottleneck(context: InjectionContext<BottleneckConfig>): void {
  const { model, adapterName, config } = context;
  const sites = planSites(model, config, isBottleneckLayer);
  const state = compositionState(model);

  const layers = new Map<string, BottleneckLayer>();
  const layerAt = (path: string): BottleneckLayer => {
    let layer = layers.get(path);
    if (layer !== undefined) return layer;
    const module = model.getSubmodule(path);
    if (isBottleneckLayer(module)) {
      layer = module;
    } else {
      layer = new BottleneckLayer(module as never, state);
      context.replaceModule(path, layer as unknown as AnyModule);
    }
    layers.set(path, layer);
    return layer;
  };

  for (const site of sites) {
    const source = site.source ? { layer: layerAt(site.source.path), side: site.source.side } : undefined;
    source?.layer.addReader(adapterName, source.side);
    layerAt(site.path).addAdapter(adapterName, {
      position: site.position,
      inSize: site.inSize,
      outSize: site.outSize,
      hiddenSize: site.hiddenSize,
      nonLinearity: config.non_linearity,
      scaling: config.scaling,
      lnBefore: config.ln_before,
      lnAfter: config.ln_after,
      source,
    });
  }
  // Parallel compositions run the model on a replicated batch (composition/state.ts).
  context.setForwardTransform((input, next) => state.runReplicated(input, next));
}

export const bottleneckMethod: PeftMethod<BottleneckConfig> = {
  peftType: BOTTLENECK,
  schema: bottleneckConfigSchema,
  tensorKeyPrefixes: ['adapter_down', 'adapter_up', 'adapter_norm_before', 'adapter_norm_after'],
  mergeable: false,
  inject: injectBottleneck,
};
