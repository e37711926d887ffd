/**
 * Which modules a method adapts, with peft's matching rules, so that configs
 * written for Python peft select the same modules here:
 * - `target_modules` as a string is a regular expression that must match the
 *   whole module path; as a list, an entry matches a path equal to it or ending
 *   in `.entry`;
 * - `exclude_modules` removes matches by the same rules;
 * - `layers_to_transform` keeps only modules in the listed layer indices, found
 *   with `layers_pattern` (`h`, `layer`, ...: the index follows `.pattern.`).
 * Paths are relative to the base model (`transformer.h.0.attn.c_attn`). The
 * insides of adapter layers (their `base_layer`, per-adapter modules) are never
 * targets; an adapter layer itself is, so a second adapter lands in it.
 */
import { NotFoundError } from '../errors';
import type { AnyModule } from '../nn/module';
import { closestNames } from '../util/closest';
import { isAdapterLayer } from './adapter-layer';

export interface TargetSpec {
  target_modules: string | string[] | null;
  exclude_modules?: string | string[] | null;
  layers_to_transform?: number | number[] | null;
  layers_pattern?: string | string[] | null;
}

export interface TargetOptions {
  /** Which modules may be adapted at all (e.g. Linear-like ones for LoRA). Others are skipped silently. */
  isCandidate?: (module: AnyModule, path: string) => boolean;
  /** For `target_modules: 'all-linear'`: the method says what counts as linear. */
  allLinear?: (module: AnyModule, path: string) => boolean;
  /** Name for error messages ('LORA', ...). */
  method?: string;
}

export function matchesModuleKey(spec: string | readonly string[], path: string): boolean {
  if (typeof spec === 'string') return new RegExp(`^(?:${spec})$`).test(path);
  return spec.some((key) => path === key || path.endsWith(`.${key}`));
}

function layerIndex(path: string, pattern: string | string[] | null | undefined): number | undefined {
  const patterns = pattern == null ? ['[^.]*'] : (Array.isArray(pattern) ? pattern : [pattern]).map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  for (const p of patterns) {
    const match = new RegExp(`(?:^|\\.)${p}\\.(\\d+)(?:\\.|$)`).exec(path);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Every module path of the tree that is not inside an adapter layer. */
export function adaptableModules(root: AnyModule): Array<[string, AnyModule]> {
  const out: Array<[string, AnyModule]> = [];
  const visit = (module: AnyModule, path: string) => {
    out.push([path, module]);
    if (isAdapterLayer(module)) return;
    for (const [name, child] of module.namedChildren()) visit(child, path === '' ? name : `${path}.${name}`);
  };
  visit(root, '');
  return out.filter(([path]) => path !== '');
}

/**
 * The paths of the modules `spec` selects, in tree order. Matching nothing is a
 * NotFoundError that lists the closest module names, so a typo is caught.
 */
export function findTargetModules(root: AnyModule, spec: TargetSpec, options: TargetOptions = {}): string[] {
  const method = options.method ?? 'PEFT';
  if (spec.target_modules === null || (Array.isArray(spec.target_modules) && spec.target_modules.length === 0)) {
    throw new NotFoundError(`${method}: target_modules is empty; name the modules to adapt`);
  }
  const modules = adaptableModules(root);
  const targetKey = spec.target_modules;
  const layers = spec.layers_to_transform == null ? undefined : Array.isArray(spec.layers_to_transform) ? spec.layers_to_transform : [spec.layers_to_transform];
  const selected = modules.filter(([path, module]) => {
    if (options.isCandidate && !options.isCandidate(module, path)) return false;
    const hit =
      targetKey === 'all-linear'
        ? (options.allLinear ?? (() => false))(module, path)
        : matchesModuleKey(targetKey, path);
    if (!hit) return false;
    if (spec.exclude_modules != null && matchesModuleKey(spec.exclude_modules, path)) return false;
    if (layers !== undefined) {
      const index = layerIndex(path, spec.layers_pattern);
      if (index === undefined || !layers.includes(index)) return false;
    }
    return true;
  });
  if (selected.length === 0) {
    const wanted = typeof targetKey === 'string' ? targetKey : targetKey.join(', ');
    const names = modules.map(([path]) => path);
    const leafNames = [...new Set(names.map((p) => p.slice(p.lastIndexOf('.') + 1)))];
    throw new NotFoundError(
      `${method}: target_modules [${wanted}] match no adaptable module${layers ? ` in layers [${layers.join(', ')}]` : ''}`,
      closestNames(typeof targetKey === 'string' ? targetKey : targetKey[0], [...leafNames, ...names]),
    );
  }
  return selected.map(([path]) => path);
}
