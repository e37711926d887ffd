/**
 * Activating a composition in one call: `setActive(model, Stack('a', Fuse('b', 'c')))`.
 * Everything is checked first (the nesting table, that every adapter exists and
 * can take part, that each Fuse has its fusion layer), so on any error the model
 * keeps its active adapters. Then core activates the adapters (and fusion
 * layers) by name, and the composition is stored where this package's layers
 * read it (state.ts).
 */
import { AdapterStateError, closestNames, type PeftModel } from '@peftjs/core';
import { BOTTLENECK } from '../bottleneck/config';
import { CompositionError } from '../errors';
import { ADAPTER_FUSION, type FusionConfig } from '../fusion/config';
import { IA3 } from '../ia3/config';
import { Stack, adapterNamesOf, formatComposition, fuseBlocksOf, parallelChannels, type Composition, type CompositionBlock, type FuseBlock } from './blocks';
import { validateComposition } from './nesting';
import { compositionState } from './state';

/** What core's PeftModel must offer here (any input and output types). */
type AnyPeftModel = PeftModel<never, unknown>;

export interface SetActiveOptions {
  /**
   * With a Fuse: also train the fused adapters (AdapterHub's `unfreeze_adapters`).
   * By default only the fusion layers train: the fused adapters are set to
   * inference mode.
   */
  unfreezeAdapters?: boolean;
}

const COMPOSABLE = [BOTTLENECK, IA3];

function asBlock(composition: Composition | readonly string[]): CompositionBlock {
  if (typeof composition === 'string') return Stack(composition);
  if (Array.isArray(composition)) return Stack(...(composition as string[]));
  return composition as CompositionBlock;
}

function checkAdapters(model: AnyPeftModel, block: CompositionBlock): void {
  const configs = model.peftConfig;
  for (const name of adapterNamesOf(block)) {
    const config = configs[name];
    if (config === undefined) {
      const suggestions = closestNames(name, model.adapterNames);
      throw new CompositionError(
        'unknown-adapter',
        `no adapter named '${name}' in this model (adapters: ${model.adapterNames.join(', ') || 'none'})${suggestions.length > 0 ? `. Closest names: ${suggestions.join(', ')}` : ''}`,
        formatComposition(block),
      );
    }
    if (!COMPOSABLE.includes(config.peft_type)) {
      throw new CompositionError(
        'unsupported-adapter',
        `adapter '${name}' is ${config.peft_type}; compositions take ${COMPOSABLE.join(' and ')} adapters (activate others with setAdapter)`,
        formatComposition(block),
      );
    }
  }
}

function checkFusion(model: AnyPeftModel, fuse: FuseBlock): void {
  const configs = model.peftConfig;
  const fused = adapterNamesOf(fuse);
  const notBottleneck = fused.find((name) => configs[name].peft_type !== BOTTLENECK);
  if (notBottleneck !== undefined) {
    throw new CompositionError('unsupported-adapter', `Fuse '${fuse.name}': adapter '${notBottleneck}' is ${configs[notBottleneck].peft_type}; only ${BOTTLENECK} adapters can be fused`, formatComposition(fuse));
  }
  const config = configs[fuse.name] as FusionConfig | undefined;
  if (config === undefined || config.peft_type !== ADAPTER_FUSION) {
    throw new CompositionError('fusion', `Fuse '${fuse.name}' has no fusion layer in this model; add it first with addFusion(model, fuse)`, formatComposition(fuse));
  }
  const same = config.adapters.length === fused.length && fused.every((name) => config.adapters.includes(name));
  if (!same) {
    throw new CompositionError('fusion', `Fuse '${fuse.name}' fuses [${fused.join(', ')}] but its fusion layer was made for [${config.adapters.join(', ')}]`, formatComposition(fuse));
  }
}

/**
 * Activates a composition (or one adapter name, or a list: a Stack). The
 * adapters, and the fusion layers of its Fuse blocks, become core's active
 * adapters; the composition decides how this package's layers combine them.
 */
export function setActive(model: AnyPeftModel, composition: Composition | readonly string[], options: SetActiveOptions = {}): void {
  const block = asBlock(composition);
  validateComposition(block);
  checkAdapters(model, block);
  const fuses = fuseBlocksOf(block);
  for (const fuse of fuses) checkFusion(model, fuse);
  if (parallelChannels(block) > 1 && !adapterNamesOf(block).some((name) => model.peftConfig[name].peft_type === BOTTLENECK)) {
    // The batch is replicated by bottleneck adapters' forward transform (IA3 has none: it must stay mergeable).
    throw new CompositionError('unsupported-adapter', 'Parallel needs at least one BOTTLENECK adapter in the composition', formatComposition(block));
  }

  const plainStack = block.type === 'Stack' && block.children.every((child) => typeof child === 'string');
  const merged = model.adapterLayers().flatMap((layer) => layer.mergedAdapters()).find((name) => adapterNamesOf(block).includes(name));
  if (!plainStack && merged !== undefined) {
    // A merged adapter acts on every row and in every branch: no composition but a plain Stack can hold it.
    throw new AdapterStateError(`setActive: adapter '${merged}' is merged into the base weights; call unmergeAdapter() before composing it in ${formatComposition(block)}`);
  }

  const names = [...adapterNamesOf(block), ...fuses.map((fuse) => fuse.name)];
  model.setAdapter(names);
  compositionState(model.baseModel as never).set(block, names);
  for (const fuse of fuses) {
    for (const name of adapterNamesOf(fuse)) model.setInferenceMode(name, !(options.unfreezeAdapters ?? false));
  }
}

/** The composition in force, or undefined when core's active adapters were set otherwise (then they are stacked). */
export function activeComposition(model: AnyPeftModel): CompositionBlock | undefined {
  return compositionState(model.baseModel as never).current();
}

export interface AddFusionOptions {
  /** Softmax temperature of the fusion attention (default 1). */
  temperature?: number;
}

/**
 * Adds the fusion layer of a Fuse block (AdapterHub's `add_adapter_fusion`):
 * an ADAPTER_FUSION adapter named `fuse.name`, over the fused bottleneck
 * adapters, which must exist and sit at the same modules. Not activated: use setActive.
 */
export function addFusion(model: AnyPeftModel, fuse: FuseBlock, options: AddFusionOptions = {}): void {
  validateComposition(fuse);
  checkAdapters(model, fuse);
  const adapters = adapterNamesOf(fuse);
  const notBottleneck = adapters.find((name) => model.peftConfig[name].peft_type !== BOTTLENECK);
  if (notBottleneck !== undefined) {
    throw new CompositionError('unsupported-adapter', `Fuse '${fuse.name}': adapter '${notBottleneck}' is ${model.peftConfig[notBottleneck].peft_type}; only ${BOTTLENECK} adapters can be fused`, formatComposition(fuse));
  }
  model.addAdapter(fuse.name, { peft_type: ADAPTER_FUSION, adapters, temperature: options.temperature ?? 1 });
}
