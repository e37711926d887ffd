/**
 * Hotswap (peft's `hotswap_adapter`): another LoRA adapter's weights written
 * into a loaded adapter's tensors in place, so a serving process switches
 * adapters without rebuilding the model or changing a tensor shape.
 *
 * The rules are peft's: the new adapter may not target modules the loaded one
 * does not (no new layers appear); layers it leaves out get zero factors; its
 * rank may be smaller than the loaded tensors' (zero-padded) but not larger,
 * so pad once to the largest rank you will serve with `prepareForHotswap`;
 * the settings that change the computation beyond the weights (`use_rslora`,
 * `lora_dropout`, `alpha_pattern`, `use_dora`, and here also `lora_bias` and
 * `fan_in_fan_out`) must match. Each layer's scaling becomes the new adapter's
 * alpha / r. Everything is checked and every new value computed before the
 * first tensor is written: a refused swap leaves the loaded adapter as it was.
 *
 * The adapter keeps its name, but its config no longer describes its tensors
 * (peft's would save the first adapter's config beside the new weights): a
 * save of a swapped or padded adapter is refused (AdapterStateError); save the
 * source adapter's files instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adapterFileNames, parsePeftConfig, quoteText, quoteValue, type Parameter, type PeftModel } from '@peftjs/core';
import { LORA, rankAndAlpha, type LoraConfig } from '../config';
import { HotswapError } from '../errors';
import { isLoraLayer, type LoraLayer } from '../layer/lora-layer';
import { scalingRule } from '../variants/rslora';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyPeftModel = PeftModel<any, any>;

/** Config keys that change the computation beyond the weights: they must be equal (peft's CONFIG_KEYS_TO_CHECK, plus two layouts). */
const KEYS_THAT_MUST_MATCH = ['use_rslora', 'lora_dropout', 'alpha_pattern', 'use_dora', 'lora_bias', 'fan_in_fan_out'] as const;

/** A LoRA layer holding the adapter, with its path in the base model and which of its parameters are factors. */
interface HeldLayer {
  readonly path: string;
  readonly layer: LoraLayer;
}

/**
 * Pads every layer of `adapterName` to `targetRank` (zeros: the output does not
 * change), so adapters of any rank up to it can be swapped in later. Call it
 * once, after loading the first adapter.
 */
export function prepareForHotswap(model: AnyPeftModel, targetRank: number, adapterName = 'default'): void {
  const layers = heldLayers(model, adapterName);
  if (layers.length === 0) throw new HotswapError(adapterName, 'no LoRA layer holds it');
  const too = layers.find(({ layer }) => layer.adapterSettings(adapterName).r > targetRank);
  if (too !== undefined) throw new HotswapError(adapterName, `'${too.path}' already has rank ${too.layer.adapterSettings(adapterName).r} > target rank ${targetRank}`);
  for (const { layer } of layers) model.adoptReplacedParameters(adapterName, layer.padRank(adapterName, targetRank));
}

/**
 * Writes the adapter given by its config (as adapter_config.json holds it) and
 * its tensors under peft's file names into the loaded adapter `adapterName`.
 * Does not dispose `tensors`.
 */
export function hotswapAdapterWeights(model: AnyPeftModel, adapterName: string, rawConfig: unknown, tensors: Readonly<Record<string, tf.Tensor>>): void {
  if (!model.adapterNames.includes(adapterName)) throw new HotswapError(adapterName, `the model holds no such adapter (it holds ${model.adapterNames.join(', ')})`);
  const loaded = model.peftConfig[adapterName] as unknown as LoraConfig;
  if (loaded.peft_type !== LORA) throw new HotswapError(adapterName, `hotswap replaces LORA adapters, the loaded one is ${loaded.peft_type}`);
  const incoming = parsePeftConfig(rawConfig) as unknown as LoraConfig;
  if (incoming.peft_type !== LORA) throw new HotswapError(adapterName, `the new adapter is ${incoming.peft_type}, not LORA`);
  for (const key of KEYS_THAT_MUST_MATCH) {
    if (JSON.stringify(loaded[key]) !== JSON.stringify(incoming[key])) {
      throw new HotswapError(adapterName, `'${key}' differs (loaded ${quoteValue(loaded[key], 80)}, new ${quoteValue(incoming[key], 80)})`);
    }
  }
  const layers = heldLayers(model, adapterName);
  const merged = layers.find(({ layer }) => layer.mergedAdapters().includes(adapterName));
  if (merged !== undefined) throw new HotswapError(adapterName, `it is merged into '${merged.path}'; unmerge it first`);

  const writes = planWrites(model, adapterName, tensors);
  const scalings = planScalings(layers, adapterName, incoming, tensors, writes.fileNameOf);
  const values = tf.tidy(() => writes.list.map(({ parameter, value }) => (value === undefined ? tf.zeros(parameter.shape) : padTo(value, parameter.shape))));
  try {
    writes.list.forEach(({ parameter }, i) => parameter.assign(values[i]));
  } finally {
    tf.dispose(values);
  }
  for (const [layer, scaling] of scalings) layer.setScaling(adapterName, scaling);
  for (const { layer } of layers) layer.markHotswapped(adapterName);
}

function heldLayers(model: AnyPeftModel, adapterName: string): HeldLayer[] {
  return (model.baseModel.namedModules() as Array<[string, unknown]>)
    .filter((entry): entry is [string, LoraLayer] => isLoraLayer(entry[1]) && entry[1].hasAdapter(adapterName))
    .map(([path, layer]) => ({ path, layer }));
}

interface PlannedWrite {
  readonly parameter: Parameter;
  /** undefined: a LoRA factor the new adapter leaves out, set to zero. */
  readonly value: tf.Tensor | undefined;
}

/** Which tensor goes into which parameter; checks names and shapes. */
function planWrites(model: AnyPeftModel, adapterName: string, tensors: Readonly<Record<string, tf.Tensor>>) {
  const named = adapterFileNames(model, adapterName);
  const unexpected = Object.keys(tensors).filter((name) => !named.has(name));
  if (unexpected.length > 0) {
    throw new HotswapError(adapterName, `the new adapter has tensors for modules the loaded one does not adapt: ${unexpected.slice(0, 5).map((name) => quoteText(name)).join(', ')}`);
  }
  const list: PlannedWrite[] = [];
  const fileNameOf = new Map<Parameter, string>();
  for (const [fileName, [path, parameter]] of named) {
    fileNameOf.set(parameter, fileName);
    const value = Object.hasOwn(tensors, fileName) ? tensors[fileName] : undefined;
    const isFactor = /(^|\.)lora_[AB]\./.test(path);
    if (value === undefined && !isFactor) throw new HotswapError(adapterName, `the new adapter lacks ${quoteText(fileName)}, which is not a LoRA factor that could be zeroed`);
    if (value !== undefined && !fits(value.shape, parameter.shape, isFactor)) {
      throw new HotswapError(
        adapterName,
        `${quoteText(fileName)} has shape [${value.shape.join(', ')}] where the loaded tensor is [${parameter.shape.join(', ')}]` +
          (isFactor ? ' (a larger rank: pad the loaded adapter with prepareForHotswap to the largest rank you serve)' : ''),
      );
    }
    list.push({ parameter, value });
  }
  return { list, fileNameOf };
}

/** Equal, or (a factor) smaller along exactly the rank axis: A's rows or B's columns. */
function fits(found: readonly number[], expected: readonly number[], isFactor: boolean): boolean {
  if (found.length !== expected.length) return false;
  const differing = found.map((d, i) => (d === expected[i] ? -1 : i)).filter((i) => i >= 0);
  if (differing.length === 0) return true;
  return isFactor && found.length === 2 && differing.length === 1 && found[differing[0]] < expected[differing[0]];
}

function padTo(value: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (tf.util.arraysEqual(value.shape, shape as number[])) return tf.clone(value);
  return tf.pad(value, shape.map((d, i) => [0, d - value.shape[i]] as [number, number]));
}

/**
 * The new scaling of each layer the new adapter covers: its alpha / r from
 * the new config. The file's rank must be the config's for that layer, or the
 * scaling would be wrong.
 */
function planScalings(
  layers: readonly HeldLayer[],
  adapterName: string,
  incoming: LoraConfig,
  tensors: Readonly<Record<string, tf.Tensor>>,
  fileNameOf: ReadonlyMap<Parameter, string>,
): Array<[LoraLayer, number]> {
  const rule = scalingRule(incoming.use_rslora);
  const scalings: Array<[LoraLayer, number]> = [];
  for (const { path, layer } of layers) {
    const factorA = layer.namedParameters().find(([p]) => p === `lora_A.${adapterName}.weight` || p === `lora_embedding_A.${adapterName}`)?.[1];
    const fileName = factorA && fileNameOf.get(factorA);
    if (fileName === undefined || !Object.hasOwn(tensors, fileName)) continue;
    const { r, alpha } = rankAndAlpha(incoming, path);
    const fileRank = tensors[fileName].shape[0];
    if (fileRank !== r) throw new HotswapError(adapterName, `'${path}': the new config gives rank ${r} but its lora_A has ${fileRank} rows`);
    scalings.push([layer, rule.scaling(alpha, r)]);
  }
  return scalings;
}
