/**
 * ADAPTER_FUSION as a core PEFT method, so that fusion parameters get core's
 * bookkeeping for free (trainable only while active, saved, loaded, deleted):
 * injecting one adds a fusion layer to every bottleneck layer holding the
 * fused adapters. They must all sit at the same modules, and exist already.
 */
import { NotFoundError, adaptableModules, closestNames, type InjectionContext, type PeftMethod } from '@peftjs/core';
import { isBottleneckLayer, type BottleneckLayer } from '../bottleneck/layer';
import { CompositionError } from '../errors';
import { ADAPTER_FUSION, fusionConfigSchema, type FusionConfig } from './config';

function injectFusion(context: InjectionContext<FusionConfig>): void {
  const { model, adapterName, config } = context;
  const layers = adaptableModules(model)
    .map(([path, module]) => [path, module] as const)
    .filter((entry): entry is readonly [string, BottleneckLayer] => isBottleneckLayer(entry[1]));
  const sitesOf = (name: string) => layers.filter(([, layer]) => layer.holdsAdapter(name)).map(([path]) => path);
  const known = [...new Set(layers.flatMap(([, layer]) => layer.adapterNames()))];
  const [first, ...others] = config.adapters;
  for (const name of config.adapters) {
    if (sitesOf(name).length === 0) {
      throw new NotFoundError(`${ADAPTER_FUSION}: no bottleneck adapter named '${name}' in this model; add the adapters before their fusion`, closestNames(name, known));
    }
  }
  const sites = sitesOf(first);
  for (const name of others) {
    const own = sitesOf(name);
    if (own.length !== sites.length || own.some((path, i) => path !== sites[i])) {
      throw new CompositionError('fusion', `${ADAPTER_FUSION}: adapters '${first}' and '${name}' sit at different modules ([${sites.join(', ')}] vs [${own.join(', ')}]); fused adapters need the same placement`);
    }
  }
  for (const [path, layer] of layers) {
    if (sites.includes(path)) layer.addFusion(adapterName, layer.adapterWidth!, config.temperature);
  }
}

export const fusionMethod: PeftMethod<FusionConfig> = {
  peftType: ADAPTER_FUSION,
  schema: fusionConfigSchema,
  tensorKeyPrefixes: ['adapter_fusion_'],
  mergeable: false,
  inject: injectFusion,
};
