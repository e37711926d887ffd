/**
 * How LoRA puts itself into a model for one adapter (peft's `LoraModel`):
 * find the targets, wrap each in a LoRA layer or add the adapter to the LoRA
 * layer already there, and make the chosen base biases the adapter's. Default
 * targets and the task heads kept as modules_to_save are core's (checked by
 * core before this runs, so a bad name leaves base weights untouched).
 *
 * Everything is checked before the first change, then the planned parameters
 * go to core (checked against a file's header when loading) before any is
 * made; the base weights PiSSA and OLoRA rewrite are handed to core first, so
 * a failed add or load puts them back.
 */
import {
  InvalidArgumentError,
  NotFoundError,
  adaptableModules,
  defaultTargetModules,
  findTargetModules,
  isAdapterLayer,
  matchesModuleKey,
  type AnyModule,
  type InjectionContext,
  type Parameter,
} from '@peftjs/core';
import { LORA, rankAndAlpha, type LoraConfig } from './config';
import { UnsupportedLayerError } from './errors';
import { initScheme, type LoraInitScheme } from './init';
import { assertSupported, createLoraLayer, isEmbeddingLayer, isLinearLayer } from './layer/dispatch';
import { LoraLinear } from './layer/linear';
import { isLoraLayer, type LoraLayer } from './layer/lora-layer';
import { warn } from './util/warn';

/** Heads never adapted by 'all-linear' (peft excludes the output layer). */
const OUTPUT_HEADS = ['lm_head', 'score', 'classifier', 'qa_outputs'];

export function injectLora(context: InjectionContext<LoraConfig>): void {
  const { model, adapterName, config } = context;
  checkSingleBiasAdapter(model, config);
  config.target_modules ??= defaultTargets(model);
  const paths = findTargetModules(model, config, { method: LORA, allLinear: (module, path) => isLinearLayer(module) && !isOutputHead(model, module, path) });
  refuseTyingAdapters(model, config, paths);
  const init = initScheme(config.init_lora_weights);
  const targets = paths.map((path) => planTarget(model.getSubmodule(path), path, config, init));
  warnAboutLayout(targets, config);

  context.checkPlannedParameters(
    targets.flatMap(({ path, layer, r }) =>
      layer.plannedShapes(adapterName, { r, useDora: config.use_dora, loraBias: config.lora_bias ?? false }).map(([inner, shape]) => ({ path: `${path}.${inner}`, shape })),
    ),
  );
  // PiSSA and OLoRA write a residual into the base weight: core puts it back if the add fails.
  if (init.rewritesBaseWeight) for (const { layer } of targets) context.preserveBaseParameter(layer.baseWeight);

  for (const { path, layer, created, r, alpha } of targets) {
    if (created) context.replaceModule(path, layer as unknown as AnyModule);
    layer.addAdapter(adapterName, {
      r,
      alpha,
      dropout: config.lora_dropout,
      useRslora: config.use_rslora,
      useDora: config.use_dora,
      loraBias: config.lora_bias ?? false,
      init,
    });
  }
  const adapted = targets.map((target) => target.layer);
  for (const bias of trainedBiases(model, config, adapted)) context.claimParameter(bias);
}

/**
 * peft's `ensure_weight_tying` on modules whose weight another module shares
 * (GPT-2's wte and lm_head): peft then shares the adapters or saved copies
 * between them. peftjs does that for trainable_token_indices (@peftjs/adapters)
 * but not for LoRA layers or modules_to_save copies, which would silently
 * untie: refused, before anything changes.
 */
function refuseTyingAdapters(model: AnyModule, config: LoraConfig, paths: readonly string[]): void {
  if (config.ensure_weight_tying !== true) return;
  const owners = new Map<Parameter, number>();
  for (const [, module] of adaptableModules(model)) for (const [, p] of module.namedOwnParameters()) owners.set(p, (owners.get(p) ?? 0) + 1);
  const saved = config.modules_to_save ?? [];
  const tied = adaptableModules(model).filter(
    ([path, module]) => (paths.includes(path) || matchesModuleKey(saved, path, 'modules_to_save')) && module.namedOwnParameters().some(([, p]) => owners.get(p)! > 1),
  );
  if (tied.length > 0) {
    throw new InvalidArgumentError(
      `${LORA}: ensure_weight_tying is true and '${tied[0][0]}' shares its weight with another module; peftjs ties trainable_token_indices only, ` +
        'not LoRA layers or modules_to_save copies of tied modules: leave it out of target_modules and modules_to_save, or set ensure_weight_tying false',
    );
  }
}

function defaultTargets(model: AnyModule): string[] {
  const known = defaultTargetModules(model, LORA);
  if (known === undefined) throw new NotFoundError(`${LORA}: target_modules is not set and peftjs knows no default for a ${model.constructor.name}; name the modules to adapt`);
  return [...known.target_modules];
}

/** Whether `module` at `path` is the output layer, which `all-linear` leaves out (as peft). */
export function isOutputHead(model: AnyModule, module: AnyModule, path: string): boolean {
  const output = (model as { getOutputEmbeddings?: () => unknown }).getOutputEmbeddings?.();
  return module === output || OUTPUT_HEADS.includes(path);
}

interface Target {
  readonly path: string;
  readonly layer: LoraLayer;
  /** A new layer that must replace the module at `path`; otherwise the LoRA layer already there. */
  readonly created: boolean;
  readonly r: number;
  readonly alpha: number;
}

/** The layer that will hold the adapter at `path`, after every check that can fail. Changes nothing. */
function planTarget(module: AnyModule, path: string, config: LoraConfig, init: LoraInitScheme): Target {
  if (isAdapterLayer(module) && !isLoraLayer(module)) throw new UnsupportedLayerError(path, `${module.constructor.name} (another method's layer)`);
  const base = isLoraLayer(module) ? (module.baseLayer as unknown as AnyModule) : module;
  assertSupported(base, path);
  if (config.lora_bias && isEmbeddingLayer(base)) throw new InvalidArgumentError(`${LORA}: lora_bias is not supported for Embedding layers ('${path}')`);
  const layer = isLoraLayer(module) ? module : createLoraLayer(module, path);
  const { r, alpha } = rankAndAlpha(config, path);
  layer.assertInitFits(init, r, `'${path}'`);
  return { path, layer, created: !isLoraLayer(module), r, alpha };
}

/** peft corrects a fan_in_fan_out that does not fit the layer type, with a warning; so do we, once per adapter. */
function warnAboutLayout(targets: readonly Target[], config: LoraConfig): void {
  const misfits = targets.filter(({ layer }) => layer instanceof LoraLinear && layer.fanInFanOut !== config.fan_in_fan_out).map(({ path }) => `'${path}'`);
  if (misfits.length === 0) return;
  const layout = config.fan_in_fan_out ? 'Linear layers (weight [out, in])' : "Conv1D layers (weight [in, out], GPT-2's layout)";
  warn(`${LORA}: fan_in_fan_out is ${config.fan_in_fan_out} but ${misfits.join(', ')} are ${layout}; using ${!config.fan_in_fan_out} for them, as peft does`);
}

/** peft allows one adapter with trained biases: several would train the same base biases. */
function checkSingleBiasAdapter(model: AnyModule, config: LoraConfig): void {
  if (config.bias === 'none') return;
  const others = model.namedModules().some(([, module]) => isLoraLayer(module) && module.adapterNames().length > 0);
  if (others) throw new InvalidArgumentError(`${LORA}: only one adapter may train biases (bias '${config.bias}'); when using several adapters, set bias to 'none'`);
}

/** `bias: 'all'` trains every base bias; `'lora_only'` those of the layers this adapter adapts. */
function trainedBiases(model: AnyModule, config: LoraConfig, adapted: readonly LoraLayer[]): Parameter[] {
  if (config.bias === 'lora_only') return adapted.flatMap((layer) => (layer.baseBias ? [layer.baseBias] : []));
  if (config.bias === 'all') {
    return model
      .namedParameters()
      .filter(([path]) => /(^|\.)bias$/.test(path) && !/\.(lora_[^.]*|modules_to_save)\./.test(path))
      .map(([, parameter]) => parameter);
  }
  return [];
}
