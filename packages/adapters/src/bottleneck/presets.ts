/**
 * Ready placements for @peftjs/models' architectures. Each names the sites an
 * adapter takes at the attention block (`mh_adapter`) and the feed-forward
 * block (`output_adapter`), after it or beside it.
 *
 * The adapters wrap leaves that no other method adapts (the dropout that ends
 * each block, the norms it reads from), never the projections LoRA or IA3
 * target, nor whole blocks: wrapping a block would hide another method's layers
 * inside it from core. An adapter sits where AdapterHub puts it: on the block's
 * output before the residual add (and, in BERT, before the LayerNorm).
 *
 * - GPT-2 (pre-norm): after `attn.resid_dropout` / `mlp.dropout`; beside them
 *   reading `ln_1` / `ln_2`, the blocks' inputs.
 * - BERT (post-norm): after `attention.output.dropout` / `output.dropout`;
 *   beside them reading the layer's input (the previous layer's output norm, or
 *   the embeddings) / `attention.output.LayerNorm`, the FFN's input.
 * - MLP (a Sequential): each hidden block (a Linear and the activations after
 *   it) is a feed-forward block: after its last activation, or beside its Linear.
 */
import { Conv1D, Linear, isAdapterLayer, type AnyModule } from '@peftjs/core';
import { PlacementError } from '../errors';
import { bertLayers, gpt2Blocks, joinPath, sequentials, type Architecture } from '../util/architecture';
import type { PlacementPosition } from './placement-rules';

/** A site before its widths are known: absolute paths. */
export interface DraftSite {
  readonly path: string;
  readonly position: PlacementPosition;
  /** The output width, where the module does not declare one. */
  readonly size?: number;
  /** The width the adapter reads, where its source does not declare one. */
  readonly inSize?: number;
  readonly source?: { readonly path: string; readonly side: 'input' | 'output' };
}

export interface PresetOptions {
  readonly attention: boolean;
  readonly feedForward: boolean;
  readonly parallel: boolean;
  readonly leaveOut: readonly number[];
}

function width(model: AnyModule, path: string): number {
  const features = model.getSubmodule(path).outFeatures;
  if (features === undefined) throw new PlacementError(`cannot tell the hidden width from '${path}' (it declares no features)`);
  return features;
}

function gpt2Sites(model: AnyModule, options: PresetOptions): DraftSite[] {
  return gpt2Blocks(model)
    .filter((block) => !options.leaveOut.includes(block.index))
    .flatMap(({ path }) => {
      const size = width(model, `${path}.ln_1`);
      const site = (module: string, norm: string): DraftSite =>
        options.parallel
          ? { path: `${path}.${module}`, position: 'beside', size, inSize: size, source: { path: `${path}.${norm}`, side: 'output' } }
          : { path: `${path}.${module}`, position: 'after', size };
      return [...(options.attention ? [site('attn.resid_dropout', 'ln_1')] : []), ...(options.feedForward ? [site('mlp.dropout', 'ln_2')] : [])];
    });
}

function bertSites(model: AnyModule, options: PresetOptions): DraftSite[] {
  const layers = bertLayers(model).sort((a, b) => a.index - b.index);
  /** The module whose output is layer i's input. */
  const layerInput = (i: number): string => {
    if (i > 0) return `${layers[i - 1].path}.output.LayerNorm`;
    const root = layers[0].path.replace(/(^|\.)encoder\.layer\.\d+$/, '');
    const embeddings = joinPath(root, 'embeddings.dropout');
    if (root === layers[0].path || !model.namedModules().some(([p]) => p === embeddings)) {
      throw new PlacementError(`BERT preset: a parallel attention adapter reads the layer's input, but no embeddings module was found before '${layers[0].path}'; give placement rules`);
    }
    return embeddings;
  };
  return layers.flatMap(({ path, index }, i) => {
    if (options.leaveOut.includes(index)) return [];
    const size = width(model, `${path}.attention.output.LayerNorm`);
    const site = (module: string, input: () => string): DraftSite =>
      options.parallel
        ? { path: `${path}.${module}`, position: 'beside', size, inSize: size, source: { path: input(), side: 'output' } }
        : { path: `${path}.${module}`, position: 'after', size };
    return [
      ...(options.attention ? [site('attention.output.dropout', () => layerInput(i))] : []),
      ...(options.feedForward ? [site('output.dropout', () => `${path}.attention.output.LayerNorm`)] : []),
    ];
  });
}

function isLinearLike(module: AnyModule): boolean {
  const inner = isAdapterLayer(module) ? module.baseLayer : module;
  return inner instanceof Linear || inner instanceof Conv1D;
}

function mlpSites(model: AnyModule, options: PresetOptions): DraftSite[] {
  if (!options.feedForward) return [];
  const sites: DraftSite[] = [];
  let ordinal = 0;
  for (const [prefix, sequential] of sequentials(model)) {
    const children = sequential.namedChildren();
    children.forEach(([name, module], k) => {
      if (!isLinearLike(module)) return;
      const next = children.findIndex(([, m], j) => j > k && isLinearLike(m));
      if (next < 0 || next === k + 1) return; // the output layer, or no activation after it
      const index = ordinal++;
      if (options.leaveOut.includes(index)) return;
      sites.push(
        options.parallel
          ? { path: joinPath(prefix, name), position: 'beside' }
          : { path: joinPath(prefix, children[next - 1][0]), position: 'after', size: module.outFeatures },
      );
    });
  }
  return sites;
}

export const PLACEMENT_PRESETS: Readonly<Record<Architecture, (model: AnyModule, options: PresetOptions) => DraftSite[]>> = {
  gpt2: gpt2Sites,
  bert: bertSites,
  mlp: mlpSites,
};
