/**
 * Puts trainable tokens into a model for one adapter, for the TRAINABLE_TOKENS
 * method (a TrainableTokensLayer at each embedding) and for other methods'
 * `trainable_token_indices` (a TrainableTokensWrapper, peft's layout there).
 *
 * Tied weights, as peft ties them: every module that shares an adapted
 * embedding's weight Parameter (GPT-2's lm_head, a TiedLinear) gets a tied
 * layer reading the same rows, so both ends of the model see the trained
 * tokens. peft finds them by the model's `_tied_weights_keys`; here the tie
 * is the shared Parameter itself. A target that shares an earlier target's
 * weight (a config naming both embed_tokens and lm_head) follows peft's
 * `ensure_weight_tying`: true ties it, and its rows must be the same; false
 * (peft's backward-compatible default) trains it apart, with rows of its own.
 *
 * Every check runs before anything changes.
 */
import { Embedding, adaptableModules, isAdapterLayer, type AnyModule, type InjectionContext, type Parameter, type PlannedParameter } from '@peftjs/core';
import { PlacementError, TokenIndicesError, UnsupportedTargetError } from '../errors';
import { warn } from '../util/warn';
import { TRAINABLE_TOKENS } from './config';
import { checkTokenIndices } from './indices';
import { TrainableTokensLayer, isTrainableTokensLayer } from './layer';
import { TrainableTokensWrapper, isTrainableTokensWrapper } from './wrapper';

export interface TokenTarget {
  readonly path: string;
  readonly indices: readonly number[];
}

/** 'layer': the method's own layout; 'wrapper': peft's TrainableTokensWrapper (another method's trainable_token_indices). */
export type TokenLayout = 'layer' | 'wrapper';

interface Planned {
  readonly path: string;
  /** The layer the adapter's rows live in (new or already there). */
  readonly layer: TrainableTokensLayer<never, unknown>;
  /** What to put at `path`, when it is new. */
  readonly replacement?: AnyModule;
  readonly indices: readonly number[];
}

function existingLayer(module: AnyModule, layout: TokenLayout): TrainableTokensLayer<never, unknown> | undefined {
  if (layout === 'layer' && isTrainableTokensLayer(module)) return module as unknown as TrainableTokensLayer<never, unknown>;
  if (layout === 'wrapper' && isTrainableTokensWrapper(module)) return module.tokenAdapter as unknown as TrainableTokensLayer<never, unknown>;
  return undefined;
}

function newLayer(module: AnyModule, layout: TokenLayout, source?: TrainableTokensLayer<never, unknown>): { layer: TrainableTokensLayer<never, unknown>; replacement: AnyModule } {
  const layer = new TrainableTokensLayer(module as never, source);
  const replacement = layout === 'wrapper' ? new TrainableTokensWrapper(layer) : layer;
  return { layer: layer as unknown as TrainableTokensLayer<never, unknown>, replacement: replacement as unknown as AnyModule };
}

/** `sharesEmbedding`: the module shares an Embedding target's weight (a tied head trained apart), so it need not be an Embedding itself. */
function planTarget(model: AnyModule, target: TokenTarget, layout: TokenLayout, sharesEmbedding = false): Planned & { weight: Parameter } {
  const { path } = target;
  const module = model.getSubmodule(path);
  const existing = existingLayer(module, layout);
  if (existing !== undefined) {
    if (existing.source !== undefined) throw new PlacementError(`${TRAINABLE_TOKENS}: '${path}' is tied to another embedding's trainable tokens; target that embedding`);
    return { path, layer: existing, indices: checkTokenIndices(target.indices, existing.weight.shape[0], `${TRAINABLE_TOKENS} '${path}'`), weight: existing.weight };
  }
  if (isAdapterLayer(module)) throw new PlacementError(`${TRAINABLE_TOKENS}: '${path}' is already adapted by ${module.peftType}; methods do not nest`);
  if (!(module instanceof Embedding) && !sharesEmbedding) {
    throw new UnsupportedTargetError(path, `${TRAINABLE_TOKENS}: '${path}' is a ${module.constructor.name}; expected an Embedding (a [rows, dim] table of token vectors)`);
  }
  const weight = (module as unknown as { weight: Parameter }).weight;
  const indices = checkTokenIndices(target.indices, weight.shape[0], `${TRAINABLE_TOKENS} '${path}'`);
  return { path, ...newLayer(module, layout), indices, weight };
}

/** Modules outside the targets that share a source's weight: they follow it. */
function tiedModules(model: AnyModule, sources: ReadonlyArray<Planned & { weight: Parameter }>, targetPaths: ReadonlySet<string>): Array<[string, AnyModule, Planned & { weight: Parameter }]> {
  const out: Array<[string, AnyModule, Planned & { weight: Parameter }]> = [];
  for (const [path, module] of adaptableModules(model)) {
    if (targetPaths.has(path) || isAdapterLayer(module)) continue;
    const weight = module.namedOwnParameters().find(([name]) => name === 'weight')?.[1];
    const source = sources.find((s) => s.weight === weight);
    if (source !== undefined) out.push([path, module, source]);
  }
  return out;
}

const sameRows = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

export interface TokenOptions {
  /** peft's init_weights: start the rows as copies (true) or N(0, 1). */
  readonly initWeights: boolean;
  readonly layout: TokenLayout;
  /** peft's ensure_weight_tying, for targets that share an earlier target's weight (see above). */
  readonly ensureWeightTying: boolean;
}

export function injectTrainableTokens(context: InjectionContext, targets: readonly TokenTarget[], options: TokenOptions): void {
  const { model, adapterName } = context;
  const { layout, ensureWeightTying } = options;
  const sources: Array<Planned & { weight: Parameter }> = [];
  const tied: Planned[] = [];
  for (const target of targets) {
    const module = model.getSubmodule(target.path);
    const existing = existingLayer(module, layout);
    // A tied layer already there (from an earlier adapter) follows its source; a new module sharing a source's weight may be tied to it.
    const sharing = existing === undefined ? sources.find((s) => s.weight === (module as { weight?: unknown }).weight) : undefined;
    const tiedTo = existing?.source !== undefined ? sources.find((s) => s.layer === existing.source) : ensureWeightTying ? sharing : undefined;
    if (tiedTo !== undefined) {
      if (!sameRows(target.indices, tiedTo.indices)) {
        throw new TokenIndicesError(
          `${TRAINABLE_TOKENS}: '${target.path}' shares its weight with '${tiedTo.path}' and ensure_weight_tying is true, so it must train the same tokens; found different token indices`,
        );
      }
      if (existing === undefined) tied.push({ path: target.path, ...newLayer(module, layout, tiedTo.layer), indices: tiedTo.indices });
      continue;
    }
    sources.push(planTarget(model, target, layout, sharing !== undefined));
  }
  const targetPaths = new Set(targets.map((t) => t.path));
  for (const [path, module, source] of tiedModules(model, sources, targetPaths)) {
    tied.push({ path, ...newLayer(module, layout, source.layer), indices: source.indices });
  }
  const shared = tied.length > 0 || sources.some((s, i) => sources.findIndex((t) => t.weight === s.weight) !== i);
  if (ensureWeightTying && !shared) warn(`${TRAINABLE_TOKENS}: ensure_weight_tying is true but no module shares a weight with ${sources.map((s) => `'${s.path}'`).join(', ')}; nothing to tie`);

  const inner = layout === 'wrapper' ? 'token_adapter.trainable_tokens_delta' : 'trainable_tokens_delta';
  context.checkPlannedParameters(
    sources.map(({ path, indices, weight }): PlannedParameter => ({ path: `${path}.${inner}.${adapterName}`, shape: [indices.length, weight.shape[1]] })),
  );
  for (const { path, replacement, layer, indices } of [...sources, ...tied]) {
    if (replacement !== undefined) context.replaceModule(path, replacement);
    layer.addTokens(adapterName, indices, options.initWeights);
  }
}
