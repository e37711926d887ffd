/**
 * PeftModel: a base model with named adapters, as Hugging Face peft users know
 * it. Several adapters, of one method or of several, live in one model; any of
 * them may be active at once, trained together, merged, saved and loaded.
 *
 * The base model sits at `base_model.model`, so parameter paths are peft's
 * (`base_model.model.transformer.h.0.attn.c_attn.lora_A.default.weight`) and
 * file names follow by dropping the adapter name.
 */
import * as tf from '@tensorflow/tfjs-core';
import { countParameters, formatTrainableParameters, type ParameterCount } from '../accounting';
import { InvalidArgumentError } from '../errors';
import { assertAdapterName, DEFAULT_ADAPTER_NAME } from '../io/peft/layout';
import { ModuleDict } from '../nn/layers/containers';
import { Module, type AnyModule } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import { brandClass } from '../util/brand';
import { quoteValue } from '../util/quote';
import { isAdapterLayer, type AdapterLayer, type MergeOptions } from './adapter-layer';
import type { PeftConfig } from './config/schema';
import { AdapterStateError, NotMergeableError } from './errors';
import type { ForwardTransform, InjectionContext } from './method';
import { assignAdapterFileState } from './adapter-files';
import { AdapterPlan } from './adapter-plan';
import { assertKnownAdapters } from './adapter-names';
import type { LoadAdapterOptions, SaveAdapterOptions } from './peft-model-io';
import type { LoadAdapterBytesOptions } from './adapter-sources';
import type { AdapterBytes } from '../io/peft/adapter-bytes';
import { isHttpUrl } from '../io/http/adapter-fetch';
import { auxiliaryTrainingFor } from './auxiliary-training';
import { getPeftMethod } from './registry';
import { adaptableModules } from './targets';
import { planModulesToSave, wrapModulesToSave } from './task-heads';
import { recordConfigOrigin } from './config/written-keys';

/** Holds the user's model as child `model`, giving peft's `base_model.model.` prefix. */
class BaseModelHolder<In, Out> extends Module<In, Out> {
  constructor(model: Module<In, Out>) {
    super();
    this.addModule('model', model);
  }

  get model(): Module<In, Out> {
    return this.getSubmodule('model') as unknown as Module<In, Out>;
  }

  forward(input: In): Out {
    return this.model.call(input);
  }
}

export interface AddAdapterOptions {
  /**
   * The adapter's tensors under peft's file names (as `adapter_model.safetensors`
   * holds them): the adapter starts from these. Not disposed; every tensor must
   * fit a parameter, and every parameter with a file name must be given.
   */
  readonly weights?: Readonly<Record<string, tf.Tensor>>;
  /**
   * Whether the config was read from a file (default: when `weights` are
   * given, as the loaders do). A file's config is written back with exactly
   * the keys it had (see config/written-keys.ts), and its modules_to_save
   * names that match no module are skipped, as peft does, while a name given
   * in code must match (see task-heads.ts).
   */
  readonly configFromFile?: boolean;
  /**
   * JSON Pointers of the numbers the config's file wrote as floats (`/lora_dropout`
   * for `0.0`; `parseAdapterConfig` finds them): written back the same way, so a
   * re-saved config is the file's bytes.
   */
  readonly floatPaths?: readonly string[];
}

export class PeftModel<In = tf.Tensor, Out = tf.Tensor> extends Module<In, Out> {
  static {
    brandClass(this, 'core', 'PeftModel');
  }

  private readonly holder: BaseModelHolder<In, Out>;
  private readonly configs = new Map<string, PeftConfig>();
  /** Every parameter an adapter brought (or, like trained biases, claimed), by adapter name. */
  private readonly adapterParameters = new Map<string, Set<Parameter>>();
  private active: string[] = [];
  /** Forward transforms of input-side methods (prompt tuning, ...), by adapter name. */
  private readonly transforms = new Map<string, ForwardTransform>();
  /** Root-level modules of input-side methods, by collection name ('prompt_encoder'). */
  private readonly rootCollections = new Map<string, ModuleDict>();
  private adaptersDisabled = false;
  /** The base's trainable flags before wrapping, restored by unload(). */
  private readonly baseTrainable: Map<Parameter, boolean>;
  private unloaded = false;

  constructor(base: Module<In, Out>, config: unknown, adapterName = DEFAULT_ADAPTER_NAME, options: AddAdapterOptions = {}) {
    super();
    this.baseTrainable = new Map(base.parameters().map((p) => [p, p.trainable]));
    this.holder = this.addModule('base_model', new BaseModelHolder(base));
    for (const parameter of base.parameters()) parameter.trainable = false;
    try {
      this.addAdapter(adapterName, config, options);
    } catch (error) {
      for (const [parameter, trainable] of this.baseTrainable) parameter.trainable = trainable;
      throw error;
    }
    this.setAdapter(adapterName);
  }

  /** The wrapped model, with the adapter layers inside it. */
  get baseModel(): Module<In, Out> {
    this.assertUsable();
    return this.holder.model;
  }

  /** Parsed configs by adapter name. */
  get peftConfig(): Readonly<Record<string, PeftConfig>> {
    return Object.fromEntries(this.configs);
  }

  get adapterNames(): string[] {
    return [...this.configs.keys()];
  }

  get activeAdapters(): string[] {
    return [...this.active];
  }

  forward(input: In): Out {
    this.assertUsable();
    let next = (value: unknown) => this.holder.call(value as In) as unknown;
    if (!this.adaptersDisabled) {
      for (const name of [...this.active].reverse()) {
        const transform = this.transforms.get(name);
        if (transform === undefined) continue;
        const inner = next;
        next = (value) => transform(value, inner);
      }
    }
    return next(input) as Out;
  }

  // ---- adding and removing ----------------------------------------------------

  /**
   * Adds an adapter (not activated: call setAdapter). The config is parsed by
   * the method its peft_type names. With `weights` (a file's tensors under peft's
   * names) the adapter starts from them instead of its initialisation, and they
   * are checked against what the config implies before anything is allocated,
   * where the method plans its parameters (InjectionContext.checkPlannedParameters).
   * On any error the model is left exactly as it was, base weights included.
   */
  addAdapter(adapterName: string, rawConfig: unknown, options: AddAdapterOptions = {}): PeftConfig {
    this.assertUsable();
    assertAdapterName(adapterName);
    if (this.configs.has(adapterName)) throw new InvalidArgumentError(`an adapter named '${adapterName}' already exists`);
    const type = (rawConfig as { peft_type?: unknown } | null)?.peft_type;
    if (typeof type !== 'string') {
      throw new InvalidArgumentError(`PEFT config: expected an object with a string 'peft_type', found ${quoteValue(type)}`);
    }
    const method = getPeftMethod(type);
    const config = method.schema.parse(rawConfig);
    const fromFile = options.configFromFile ?? options.weights !== undefined;
    recordConfigOrigin(config, rawConfig as object, fromFile, options.floatPaths);

    const before = new Set(this.parameters());
    const claimed = new Set<Parameter>();
    const replaced: Array<[string, AnyModule]> = [];
    const rootModules: Array<[ModuleDict, string]> = [];
    let transform: ForwardTransform | undefined;
    const model = this.holder.model as unknown as AnyModule;
    const plan = new AdapterPlan(this as unknown as PeftModel<never, unknown>, config, adapterName, options.weights);
    const context: InjectionContext = {
      model,
      adapterName,
      config,
      replaceModule: (path, module) => {
        replaced.push([path, model.setSubmodule(path, module)]);
      },
      claimParameter: (parameter) => {
        claimed.add(parameter);
      },
      addRootModule: (collection, module) => {
        const dict = this.rootCollection(collection);
        dict.set(adapterName, module);
        rootModules.push([dict, adapterName]);
      },
      setForwardTransform: (next) => {
        transform = next;
      },
      checkPlannedParameters: (planned) => plan.check(planned),
      preserveBaseParameter: (parameter) => plan.preserve(parameter),
    };
    try {
      try {
        // Resolved and checked before the method changes anything; wrapped after, around what it put there.
        const savedModules = planModulesToSave(model, config, fromFile);
        method.inject(context);
        wrapModulesToSave(context, savedModules);
        for (const aid of auxiliaryTrainingFor(config)) aid.inject(context);
      } catch (error) {
        for (const layer of this.adapterLayers()) layer.deleteAdapter(adapterName);
        for (const [path, original] of replaced.reverse()) model.setSubmodule(path, original);
        for (const [dict, key] of rootModules) dict.delete(key)?.dispose();
        plan.restoreBase();
        throw error;
      }
      if (transform !== undefined) this.transforms.set(adapterName, transform);
      const added = this.parameters().filter((p) => !before.has(p) || claimed.has(p));
      this.adapterParameters.set(adapterName, new Set(added));
      this.configs.set(adapterName, config);
      for (const layer of this.adapterLayers()) layer.setActiveAdapters(this.active);
      this.refreshTrainable();
      try {
        plan.assertHeld(this.adapterState(adapterName));
        if (options.weights !== undefined) assignAdapterFileState(this as unknown as PeftModel<never, unknown>, adapterName, options.weights);
      } catch (error) {
        this.deleteAdapter(adapterName);
        plan.restoreBase();
        throw error;
      }
    } finally {
      plan.dispose();
    }
    return config;
  }

  private rootCollection(name: string): ModuleDict {
    let dict = this.rootCollections.get(name);
    if (dict === undefined) {
      dict = this.addModule(name, new ModuleDict());
      this.rootCollections.set(name, dict);
    }
    return dict;
  }

  /** Removes an adapter and frees its tensors. Layers left with no adapter give way to their base module. */
  deleteAdapter(adapterName: string): void {
    this.assertUsable();
    this.assertAdapters([adapterName]);
    const layers = this.adapterLayers().filter((layer) => layer.hasAdapter(adapterName));
    const merged = layers.filter((layer) => layer.mergedAdapters().includes(adapterName));
    if (merged.length > 0) throw new AdapterStateError(`cannot delete adapter '${adapterName}' while it is merged; call unmergeAdapter() first`);
    for (const layer of layers) layer.deleteAdapter(adapterName);
    this.replaceEmptyLayers();
    for (const dict of this.rootCollections.values()) dict.delete(adapterName)?.dispose();
    this.transforms.delete(adapterName);
    const inTree = new Set(this.parameters());
    for (const parameter of this.adapterParameters.get(adapterName) ?? []) if (!inTree.has(parameter)) parameter.dispose();
    this.adapterParameters.delete(adapterName);
    this.configs.delete(adapterName);
    this.active = this.active.filter((name) => name !== adapterName);
    if (this.active.length === 0 && this.configs.size > 0) this.active = [this.adapterNames[0]];
    for (const layer of this.adapterLayers()) layer.setActiveAdapters(this.active);
    this.refreshTrainable();
  }

  private replaceEmptyLayers(): void {
    const model = this.holder.model as unknown as AnyModule;
    for (const [path, layer] of this.adapterLayerPaths()) {
      if (layer.adapterNames().length === 0) model.setSubmodule(path, layer.unloadModule(false));
    }
  }

  // ---- activation ---------------------------------------------------------------

  /**
   * Activates one adapter or several (of any methods) together. Exactly the
   * active adapters' parameters become trainable (unless loaded for inference).
   */
  setAdapter(adapterNames: string | readonly string[]): void {
    this.assertUsable();
    const names = typeof adapterNames === 'string' ? [adapterNames] : [...adapterNames];
    if (names.length === 0) throw new InvalidArgumentError('setAdapter: expected at least one adapter name, found none');
    this.assertAdapters(names);
    this.active = names;
    for (const layer of this.adapterLayers()) layer.setActiveAdapters(names);
    this.refreshTrainable();
  }

  /** Runs `fn` with every adapter off (the base model's output), then turns them back on, also on throw. */
  disableAdapters<T>(fn: () => T): T {
    this.assertUsable();
    const layers = this.adapterLayers();
    const wasDisabled = this.adaptersDisabled;
    for (const layer of layers) layer.setAdaptersDisabled(true);
    this.adaptersDisabled = true;
    const restore = () => {
      for (const layer of layers) layer.setAdaptersDisabled(false);
      this.adaptersDisabled = wasDisabled;
    };
    let result: T;
    try {
      result = fn();
    } catch (error) {
      restore();
      throw error;
    }
    if (result instanceof Promise) return result.finally(restore) as T;
    restore();
    return result;
  }

  private refreshTrainable(): void {
    for (const [name, parameters] of this.adapterParameters) {
      const trainable = this.active.includes(name) && !this.configs.get(name)!.inference_mode;
      for (const parameter of parameters) parameter.trainable = trainable;
    }
  }

  /** Switches an adapter between training (its parameters trainable when active) and inference. */
  setInferenceMode(adapterName: string, inferenceMode: boolean): void {
    this.assertAdapters([adapterName]);
    this.configs.get(adapterName)!.inference_mode = inferenceMode;
    this.refreshTrainable();
  }

  // ---- merging ------------------------------------------------------------------

  /** Merges the active (or given) adapters into the base weights, in place. */
  mergeAdapter(adapterNames?: readonly string[], options: MergeOptions = {}): void {
    this.assertUsable();
    const names = adapterNames ? [...adapterNames] : this.activeAdapters;
    this.assertAdapters(names);
    this.assertNoInputSideAdapters('mergeAdapter', names);
    const layers = this.adapterLayers().filter((layer) => names.some((name) => layer.hasAdapter(name)));
    const blocking = layers.filter((layer) => !layer.mergeable && !layer.canUnloadMerged);
    if (blocking.length > 0) throw new NotMergeableError(`${blocking[0].peftType} adapters cannot be merged into the base weights`);
    this.mergeAllOrNone(layers, options, (layer) => layer.merge(names.filter((name) => layer.hasAdapter(name)), options));
  }

  /**
   * Merges layer by layer; if one throws (a safe merge meeting a non-finite
   * weight, say), every merge made by this call is undone, in every layer, so
   * the model is as it was before the call. Unmerging subtracts what merging
   * added, which is exact only up to rounding; with `safe` the base weights are
   * also copied first (memory for one copy of the merged layers' weights, while
   * merging) and written back bit for bit.
   */
  private mergeAllOrNone(layers: readonly AdapterLayer<unknown, unknown>[], options: MergeOptions, merge: (layer: AdapterLayer<unknown, unknown>) => void): void {
    const mergeable = layers.filter((layer) => layer.mergeable);
    const depths = new Map(mergeable.map((layer) => [layer, layer.mergedAdapters().length]));
    const snapshot = options.safe ? mergeable.flatMap((layer) => layer.baseLayer.parameters().map((p) => [p, tf.clone(p.variable)] as const)) : [];
    try {
      for (const layer of mergeable) merge(layer);
    } catch (error) {
      for (const [layer, depth] of depths) layer.unmergeDownTo(depth);
      for (const [parameter, value] of snapshot) parameter.assign(value);
      throw error;
    } finally {
      tf.dispose(snapshot.map(([, value]) => value));
    }
  }

  /** Takes every merged adapter back out of the base weights. */
  unmergeAdapter(): void {
    this.assertUsable();
    for (const layer of this.adapterLayers()) layer.unmerge();
  }

  /**
   * Folds the active adapters into the base weights and returns the base model
   * without any adapter layer. This PeftModel cannot be used afterwards.
   */
  mergeAndUnload(options: MergeOptions = {}): Module<In, Out> {
    this.assertUsable();
    this.assertNoInputSideAdapters('mergeAndUnload', this.active);
    const blocking = this.adapterLayers().filter((layer) => !layer.canUnloadMerged && layer.activeAdapters().length > 0);
    if (blocking.length > 0) {
      throw new NotMergeableError(
        `mergeAndUnload: ${blocking[0].peftType} adapters cannot be merged into the base weights; use unload() to remove them without merging`,
      );
    }
    this.mergeAllOrNone(this.adapterLayers(), options, (layer) => layer.merge(undefined, options));
    return this.finishUnload(true);
  }

  /** Removes every adapter without merging and returns the base model as it was. */
  unload(): Module<In, Out> {
    this.assertUsable();
    return this.finishUnload(false);
  }

  private finishUnload(merge: boolean): Module<In, Out> {
    const model = this.holder.model as unknown as AnyModule;
    for (const [path, layer] of this.adapterLayerPaths()) model.setSubmodule(path, layer.unloadModule(merge));
    for (const dict of this.rootCollections.values()) for (const key of dict.keys()) dict.delete(key)?.dispose();
    this.transforms.clear();
    const inTree = new Set(model.parameters());
    for (const parameters of this.adapterParameters.values()) {
      for (const parameter of parameters) if (!inTree.has(parameter)) parameter.dispose();
    }
    for (const parameter of model.parameters()) parameter.trainable = this.baseTrainable.get(parameter) ?? true;
    this.unloaded = true;
    return this.holder.model;
  }

  // ---- files (folders: Node, see peft-model-io.ts; bytes and URLs: anywhere, see adapter-sources.ts) ----

  /** Saves adapters in peft's folder layout: `default` at the top, others in sub-folders named after them. */
  async saveAdapter(directory: string, options?: SaveAdapterOptions): Promise<string[]> {
    this.assertUsable();
    const { saveAdapters } = await import('./peft-model-io');
    return saveAdapters(this as unknown as PeftModel<never, unknown>, directory, options);
  }

  /**
   * Adds adapter `adapterName` from a folder saved by peft or peftjs: a path
   * (Node), or an http(s) URL of the folder (fetched, in Node 20 and browsers).
   * On error the model is left as it was.
   */
  async loadAdapter(location: string | URL, adapterName = DEFAULT_ADAPTER_NAME, options?: LoadAdapterOptions): Promise<void> {
    this.assertUsable();
    const self = this as unknown as PeftModel<never, unknown>;
    if (isHttpUrl(location)) return (await import('./adapter-sources')).loadAdapterUrlInto(self, location, adapterName, options);
    const { loadAdapterInto } = await import('./peft-model-io');
    await loadAdapterInto(self, String(location), adapterName, options);
  }

  /** peft's `PeftModel.from_pretrained`: wraps `base` with an adapter saved in a folder, given as a path (Node) or an http(s) URL. */
  static async fromPretrained<I = tf.Tensor, O = tf.Tensor>(
    base: Module<I, O>,
    location: string | URL,
    adapterName = DEFAULT_ADAPTER_NAME,
    options?: LoadAdapterOptions,
  ): Promise<PeftModel<I, O>> {
    if (isHttpUrl(location)) return (await import('./adapter-sources')).peftModelFromUrl(base, location, adapterName, options);
    const { loadPeftModel } = await import('./peft-model-io');
    return loadPeftModel(base, String(location), adapterName, options);
  }

  /** The two files `saveAdapter` writes for an adapter (`adapter_config.json`, `adapter_model.safetensors`), as bytes. */
  async toAdapterBytes(adapterName = DEFAULT_ADAPTER_NAME): Promise<AdapterBytes> {
    this.assertUsable();
    return (await import('./adapter-sources')).adapterBytesOf(this as unknown as PeftModel<never, unknown>, adapterName);
  }

  /**
   * Adds adapter `adapterName` from the bytes of its two files (weights as
   * safetensors or torch.save, told apart by content). On error the model is left as it was.
   */
  async loadAdapterBytes(bytes: AdapterBytes, adapterName = DEFAULT_ADAPTER_NAME, options?: LoadAdapterBytesOptions): Promise<void> {
    this.assertUsable();
    (await import('./adapter-sources')).loadAdapterBytesInto(this as unknown as PeftModel<never, unknown>, bytes, adapterName, options);
  }

  /** `fromPretrained` from the bytes of an adapter's two files (see `toAdapterBytes`). */
  static async fromAdapterBytes<I = tf.Tensor, O = tf.Tensor>(
    base: Module<I, O>,
    bytes: AdapterBytes,
    adapterName = DEFAULT_ADAPTER_NAME,
    options?: LoadAdapterBytesOptions,
  ): Promise<PeftModel<I, O>> {
    return (await import('./adapter-sources')).peftModelFromAdapterBytes(base, bytes, adapterName, options);
  }

  // ---- inspection ---------------------------------------------------------------

  /** Every adapter layer in the model (outermost ones, not those nested inside another). */
  adapterLayers(): Array<AdapterLayer<unknown, unknown>> {
    return this.adapterLayerPaths().map(([, layer]) => layer);
  }

  private adapterLayerPaths(): Array<[string, AdapterLayer<unknown, unknown>]> {
    return adaptableModules(this.holder.model as unknown as AnyModule).filter((entry): entry is [string, AdapterLayer<unknown, unknown>] =>
      isAdapterLayer(entry[1]),
    );
  }

  /**
   * Records that a method replaced some of an adapter's parameters by new ones
   * (LoRA's rank padding for hotswap rebuilds its factors): the new ones then
   * belong to the adapter, for saving, counting and deleting. The old ones must
   * be out of the model already; the caller disposes them.
   */
  adoptReplacedParameters(adapterName: string, replaced: Iterable<readonly [Parameter, Parameter]>): void {
    this.assertAdapters([adapterName]);
    const owned = this.adapterParameters.get(adapterName)!;
    const pairs = [...replaced];
    if (pairs.some(([old]) => !owned.has(old))) throw new InvalidArgumentError(`adoptReplacedParameters: a replaced parameter does not belong to adapter '${adapterName}'`);
    for (const [old, replacement] of pairs) {
      owned.delete(old);
      owned.add(replacement);
    }
  }

  /** The parameters an adapter brought, by their path in this model. */
  adapterState(adapterName: string): Array<[string, Parameter]> {
    this.assertAdapters([adapterName]);
    const owned = this.adapterParameters.get(adapterName)!;
    return this.namedParameters().filter(([, p]) => owned.has(p));
  }

  countParameters(options?: { optimizer?: string }): ParameterCount {
    return countParameters(this, options);
  }

  /** Prints (and returns) peft's `trainable params: ... || all params: ... || trainable%: ...` line. */
  printTrainableParameters(log: (line: string) => void = console.log): string {
    const line = formatTrainableParameters(this);
    log(line);
    return line;
  }

  /** Adapters that change the inputs (forward transforms, root modules) have no weights to merge into. */
  private assertNoInputSideAdapters(operation: string, names: readonly string[]): void {
    const inputSide = names.filter((name) => this.transforms.has(name) || [...this.rootCollections.values()].some((d) => d.has(name)));
    if (inputSide.length > 0) {
      const type = this.configs.get(inputSide[0])!.peft_type;
      throw new NotMergeableError(`${operation}: adapter '${inputSide[0]}' (${type}) changes the model's inputs and has no weights to merge into; use unload()`);
    }
  }

  private assertAdapters(names: readonly string[]): void {
    assertKnownAdapters(this.adapterNames, names);
  }

  private assertUsable(): void {
    if (this.unloaded) throw new AdapterStateError('this PeftModel was unloaded; use the model that unload() or mergeAndUnload() returned');
  }
}

/** Wraps `base` with a first adapter (`default` unless named), active and trainable: peft's get_peft_model. */
export function getPeftModel<In, Out>(base: Module<In, Out>, config: unknown, adapterName = DEFAULT_ADAPTER_NAME): PeftModel<In, Out> {
  return new PeftModel(base, config, adapterName);
}
