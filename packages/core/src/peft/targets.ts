/**
 * Which modules a method adapts, with peft's matching rules, so that configs
 * written for Python peft select the same modules here:
 * - `target_modules` as a string is a regular expression that must match the
 *   whole module path; as a list, an entry matches a path equal to it or ending
 *   in `.entry`;
 * - `exclude_modules` removes matches by the same rules;
 * - `layers_to_transform` keeps only modules in the listed layer indices, found
 *   with `layers_pattern` (`h`, `layer`, ...: the index follows `.pattern.`).
 * Config strings are untrusted: regexes are matched by ./patterns (Python `re`
 * syntax, no backtracking, bounded size), and `layers_pattern` is compared as
 * path segments, never turned into a regex.
 * Paths are relative to the base model (`transformer.h.0.attn.c_attn`). The
 * insides of adapter layers (their `base_layer`, per-adapter modules) are never
 * targets; an adapter layer itself is, so a second adapter lands in it.
 */
import { NotFoundError } from '../errors';
import type { AnyModule } from '../nn/module';
import { closestNames } from '../util/closest';
import { isAdapterLayer } from './adapter-layer';
import { compileFullMatch } from './patterns/index';

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

/**
 * peft's rule for one module key: a string is a regex that must match the
 * whole path (`re.fullmatch`); a list entry matches the path or its end after a
 * dot. `field` names the config key in the InvalidPatternError a bad regex is.
 */
export function matchesModuleKey(spec: string | readonly string[], path: string, field = 'target_modules'): boolean {
  if (typeof spec === 'string') return compileFullMatch(spec, field).test(path);
  return spec.some((key) => path === key || path.endsWith(`.${key}`));
}

/**
 * Compiles a regex-string module spec now, so that a bad pattern fails when the
 * config is parsed, as an InvalidPatternError naming `field`; lists and null
 * need no check. The compiled pattern is cached for the matching that follows.
 */
export function checkModulePattern(spec: string | readonly string[] | null | undefined, field: string): void {
  if (typeof spec === 'string') compileFullMatch(spec, field);
}

const isDigits = (segment: string) => segment.length > 0 && [...segment].every((c) => c >= '0' && c <= '9');

/**
 * The layer index of `path`: the first all-digit segment that follows the
 * segments of a `layers_pattern` entry (any one segment when there is none).
 * Compared segment by segment, since the pattern comes from the config.
 */
function layerIndex(path: string, pattern: string | string[] | null | undefined): number | undefined {
  const segments = path.split('.');
  const patterns = pattern == null ? [undefined] : (Array.isArray(pattern) ? pattern : [pattern]).map((p) => p.split('.'));
  for (const wanted of patterns) {
    const width = wanted?.length ?? 1;
    for (let i = 0; i + width < segments.length; i++) {
      if (wanted !== undefined && !wanted.every((segment, k) => segments[i + k] === segment)) continue;
      if (isDigits(segments[i + width])) return Number(segments[i + width]);
    }
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

const SHOWN_TARGET_CHARACTERS = 120;

/**
 * The paths of the modules `spec` selects, in tree order. Matching nothing is a
 * NotFoundError that lists the closest module names, so a typo is caught.
 */
export function findTargetModules(root: AnyModule, spec: TargetSpec, options: TargetOptions = {}): string[] {
  const method = options.method ?? 'PEFT';
  if (spec.target_modules === null || (Array.isArray(spec.target_modules) && spec.target_modules.length === 0)) {
    throw new NotFoundError(`${method}: target_modules is empty; name the modules to adapt`);
  }
  const targetKey = spec.target_modules;
  // Before any module is looked at, so a bad pattern fails even where no module is a candidate.
  if (targetKey !== 'all-linear') checkModulePattern(targetKey, 'target_modules');
  checkModulePattern(spec.exclude_modules, 'exclude_modules');
  const modules = adaptableModules(root);
  const layers = spec.layers_to_transform == null ? undefined : Array.isArray(spec.layers_to_transform) ? spec.layers_to_transform : [spec.layers_to_transform];
  const selected = modules.filter(([path, module]) => {
    if (options.isCandidate && !options.isCandidate(module, path)) return false;
    const hit =
      targetKey === 'all-linear'
        ? (options.allLinear ?? (() => false))(module, path)
        : matchesModuleKey(targetKey, path);
    if (!hit) return false;
    if (spec.exclude_modules != null && matchesModuleKey(spec.exclude_modules, path, 'exclude_modules')) return false;
    if (layers !== undefined) {
      const index = layerIndex(path, spec.layers_pattern);
      if (index === undefined || !layers.includes(index)) return false;
    }
    return true;
  });
  if (selected.length === 0) {
    // Config text: quoted truncated, and suggestions computed from a bounded query (edit distance is quadratic).
    const joined = typeof targetKey === 'string' ? targetKey : targetKey.join(', ');
    const wanted = joined.length > SHOWN_TARGET_CHARACTERS ? `${joined.slice(0, SHOWN_TARGET_CHARACTERS)}...` : joined;
    const names = modules.map(([path]) => path);
    const leafNames = [...new Set(names.map((p) => p.slice(p.lastIndexOf('.') + 1)))];
    const query = (typeof targetKey === 'string' ? targetKey : targetKey[0]).slice(0, SHOWN_TARGET_CHARACTERS);
    throw new NotFoundError(
      `${method}: target_modules [${wanted}] match no adaptable module${layers ? ` in layers [${layers.join(', ')}]` : ''}`,
      closestNames(query, [...leafNames, ...names]),
    );
  }
  return selected.map(([path]) => path);
}
