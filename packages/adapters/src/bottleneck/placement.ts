/**
 * From a config to the sites one adapter takes, with their widths, checked
 * before the model is touched: rules that match nothing, widths that cannot be
 * told, a reduction factor that leaves no hidden units, modules another
 * method already adapts.
 */
import { NotFoundError, adaptableModules, closestNames, isAdapterLayer, matchesModuleKey, type AnyModule } from '@peftjs/core';
import { PlacementError } from '../errors';
import { detectArchitecture, joinPath } from '../util/architecture';
import { BOTTLENECK, type BottleneckConfig } from './config';
import type { PlacementRule } from './placement-rules';
import { PLACEMENT_PRESETS, type DraftSite } from './presets';

export interface Site extends DraftSite {
  /** Width of what the adapter reads. */
  readonly inSize: number;
  /** Width of what it adds to. */
  readonly outSize: number;
  readonly hiddenSize: number;
}

/** Where rule paths are relative to: the matched path without the rule's module key. */
function prefixOf(path: string, key: string): string {
  return path === key ? '' : path.slice(0, path.length - key.length - 1);
}

function draftsFromRules(model: AnyModule, rules: readonly PlacementRule[]): DraftSite[] {
  const paths = adaptableModules(model).map(([path]) => path);
  return rules.flatMap((rule, i) => {
    const matched = paths.filter((path) => matchesModuleKey([rule.module], path));
    if (matched.length === 0) {
      throw new NotFoundError(`${BOTTLENECK}: placement[${i}] module '${rule.module}' matches no module`, closestNames(rule.module, paths));
    }
    return matched.map((path): DraftSite => {
      const prefix = prefixOf(path, rule.module);
      const size = typeof rule.size === 'string' ? featuresOf(model, joinPath(prefix, rule.size), 'output') : rule.size;
      const source = rule.source ? { path: joinPath(prefix, rule.source.module), side: rule.source.side } : undefined;
      if (source) model.getSubmodule(source.path); // a NotFoundError naming the close paths
      return { path, position: rule.position, ...(size === undefined ? {} : { size }), ...(source ? { source } : {}) };
    });
  });
}

function featuresOf(model: AnyModule, path: string, side: 'input' | 'output'): number {
  const module = model.getSubmodule(path);
  const features = side === 'output' ? module.outFeatures : module.inFeatures;
  if (features === undefined) {
    throw new PlacementError(`${BOTTLENECK}: cannot tell the ${side} width of '${path}' (a ${module.constructor.name} declares none); give 'size' in the placement rule`);
  }
  return features;
}

function drafts(model: AnyModule, config: BottleneckConfig): DraftSite[] {
  if (config.placement !== null) return draftsFromRules(model, config.placement);
  const architecture = config.architecture === 'auto' ? detectArchitecture(model) : config.architecture;
  if (architecture === undefined) {
    throw new NotFoundError(`${BOTTLENECK}: no placement preset fits a ${model.constructor.name} (no GPT-2 blocks, BERT layers or Sequential MLP found); give 'placement' rules`);
  }
  const sites = PLACEMENT_PRESETS[architecture](model, {
    attention: config.mh_adapter,
    feedForward: config.output_adapter,
    parallel: config.is_parallel,
    leaveOut: config.leave_out,
  });
  if (sites.length === 0) {
    const wanted = [config.mh_adapter ? 'attention' : '', config.output_adapter ? 'feed-forward' : ''].filter(Boolean).join(' and ');
    throw new NotFoundError(`${BOTTLENECK}: the ${architecture} preset finds no ${wanted} block in this model${config.leave_out.length > 0 ? ` outside leave_out [${config.leave_out.join(', ')}]` : ''}`);
  }
  return sites;
}

/** A module this package may wrap: not another method's layer, and with none inside it (core would lose sight of those). */
function assertWrappable(model: AnyModule, path: string, isOwnLayer: (module: AnyModule) => boolean): void {
  const module = model.getSubmodule(path);
  if (isOwnLayer(module)) return;
  if (isAdapterLayer(module)) {
    throw new PlacementError(`${BOTTLENECK}: '${path}' is already adapted by ${module.peftType}; methods do not nest, so place the bottleneck adapter elsewhere`);
  }
  const inner = module.namedModules().find(([, m]) => isAdapterLayer(m));
  if (inner) {
    throw new PlacementError(`${BOTTLENECK}: '${path}' holds a ${(inner[1] as { peftType?: string }).peftType} layer at '${inner[0]}'; wrapping it would hide that layer, so place the adapter on a leaf module`);
  }
}

/** The sites of one adapter, every check done. Changes nothing. */
export function planSites(model: AnyModule, config: BottleneckConfig, isOwnLayer: (module: AnyModule) => boolean): Site[] {
  const sites = drafts(model, config).map((draft): Site => {
    const outSize = draft.size ?? featuresOf(model, draft.path, 'output');
    const own = model.getSubmodule(draft.path);
    const inSize =
      draft.position === 'after'
        ? outSize
        : (draft.inSize ?? (draft.source ? featuresOf(model, draft.source.path, draft.source.side) : (own.inFeatures ?? outSize)));
    const hiddenSize = Math.floor(inSize / config.reduction_factor);
    if (hiddenSize < 1) {
      throw new PlacementError(
        `${BOTTLENECK}: reduction_factor ${config.reduction_factor} leaves no hidden units at '${draft.path}' (width ${inSize} / ${config.reduction_factor} < 1); use a reduction factor of at most ${inSize}`,
      );
    }
    return { ...draft, inSize, outSize, hiddenSize };
  });
  const seen = new Set<string>();
  for (const site of sites) {
    if (seen.has(site.path)) throw new PlacementError(`${BOTTLENECK}: two placements of one adapter at '${site.path}'; each module takes an adapter once`);
    seen.add(site.path);
    if (site.source?.path === site.path && site.source.side === 'output') {
      throw new PlacementError(`${BOTTLENECK}: the adapter at '${site.path}' cannot read that module's own output; read its input, or another module`);
    }
    assertWrappable(model, site.path, isOwnLayer);
    if (site.source) assertWrappable(model, site.source.path, isOwnLayer);
  }
  return sites;
}
