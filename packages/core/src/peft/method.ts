/**
 * The contract a PEFT method package fulfils to plug into core (peft's
 * BaseTuner, declaratively). Core holds no method-specific branches: it finds a
 * method by its `peftType` in the registry and asks it to parse configs and to
 * inject adapters; everything else (activation, disabling, merging, deleting,
 * saving, loading) goes through the AdapterLayer instances the method created.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { AnyModule } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import type { ConfigSchema, PeftConfig } from './config/schema';

export interface InjectionContext<C extends PeftConfig = PeftConfig> {
  /** The wrapped base model (`base_model.model`): paths are relative to it. */
  readonly model: AnyModule;
  readonly adapterName: string;
  readonly config: C;
  /**
   * Puts `module` at `path` in place of what is there (usually an AdapterLayer
   * wrapping it). Core records it, so a failing injection is rolled back.
   */
  replaceModule(path: string, module: AnyModule): void;
  /**
   * Makes a base parameter part of this adapter: trained when the adapter is
   * active and saved with it (LoRA's `bias: 'all'`, say).
   */
  claimParameter(parameter: Parameter): void;
  /**
   * For methods that change what the model sees rather than its weights (prompt
   * and prefix tuning): registers `module` at the PeftModel's root as
   * `<collection>.<adapterName>` (peft keeps prompt encoders at
   * `prompt_encoder.<adapter>`). Its parameters belong to the adapter.
   */
  addRootModule(collection: string, module: AnyModule): void;
  /**
   * Wraps the model's forward pass while this adapter is active and adapters are
   * enabled: the transform receives the input and `next` (the rest of the
   * chain, ending in the base model) and returns the output. Active adapters'
   * transforms nest in activation order, the first outermost.
   */
  setForwardTransform(transform: ForwardTransform): void;
  /**
   * Call once every check that can fail has passed and before allocating the
   * adapter's tensors, with the parameters the adapter will add (paths relative
   * to the base model, as in memory: `h.0.attn.c_attn.lora_A.default.weight`).
   * Core checks that each shape can be allocated and, when the adapter is being
   * loaded from a file, that the file holds a tensor of that shape under the
   * parameter's file name: a config that does not fit its weights (a hostile
   * `r`, say) fails here, before any tensor is made or base weight changed.
   * After injection core also checks the adapter added exactly these shapes.
   */
  checkPlannedParameters(planned: readonly PlannedParameter[]): void;
  /**
   * Call before changing a base parameter's value in place (PiSSA and OLoRA
   * write a residual into the base weight): core keeps a copy while the adapter
   * is being added and writes it back, bit for bit, if adding fails, also when a
   * load fails later on (a file's tensor of the wrong shape).
   */
  preserveBaseParameter(parameter: Parameter): void;
}

/** A parameter an adapter is about to add (see InjectionContext.checkPlannedParameters). */
export interface PlannedParameter {
  readonly path: string;
  readonly shape: readonly number[];
}

/** See InjectionContext.setForwardTransform. Input and output types are the model's. */
export type ForwardTransform = (input: unknown, next: (input: unknown) => unknown) => unknown;

export interface PeftMethod<C extends PeftConfig = PeftConfig> {
  /** peft's type name: 'LORA', 'IA3', 'PROMPT_TUNING', ... */
  readonly peftType: string;
  /** Parses and validates configs, with defaults (see defineConfigSchema). */
  readonly schema: ConfigSchema<C>;
  /**
   * The start of this method's tensor keys ('lora_' for lora_A, lora_B,
   * lora_embedding_A, ...): the adapter name sits right after such a key in
   * memory and is removed in files, as peft does.
   */
  readonly tensorKeyPrefixes: readonly string[];
  /** Whether its adapters can be merged into the base weights (checked before any change). */
  readonly mergeable: boolean;
  /**
   * Adds adapter `context.adapterName` to the model: wraps target modules in
   * AdapterLayers, or adds the adapter to layers of this method already there.
   * Validate before changing anything where possible; on a throw, core undoes
   * every `replaceModule` and deletes the adapter from every layer.
   */
  inject(context: InjectionContext<C>): void;
  /**
   * Optional: the peft file name of one of this adapter's tensors, given its
   * path relative to the base model, where the generic rule (remove the adapter
   * name after the method's key; base_model.model. in front) is not what peft writes.
   * Return undefined to use the generic rule, or null when the parameter is not
   * written as is (files hold what computedFileTensors computes from it
   * instead): it is then neither saved nor expected when loading. `model` is
   * the PeftModel, for methods whose naming depends on the adapter's form (a
   * prompt encoder's table is `prompt_embeddings` in inference form, null
   * while a network over it trains).
   */
  fileName?(relativePath: string, adapterName: string, model: AnyModule): string | null | undefined;
  /**
   * Optional: tensors peft writes for adapter `adapterName` that are not
   * parameters but computed from them, under their peft file names (peft's
   * `get_prompt_embedding_to_save`: a P-tuning encoder's output is saved as
   * `prompt_embeddings`, not its MLP). `model` is the PeftModel. Return NEW
   * tensors, computed for inference (no dropout), without changing the model:
   * core writes them next to the named parameters and disposes them, also when
   * writing fails. A name that is also a parameter's file name is an error.
   *
   * Files then hold the computed value, not what it was computed from (the
   * parameters named null): they load only into a form of the adapter whose
   * parameters take these names, usually its inference form (inference_mode
   * true, peft's from_pretrained default). Loading such a file into a form that
   * computes the name is an AdapterStateError saying so.
   */
  computedFileTensors?(model: AnyModule, adapterName: string): Record<string, tf.Tensor>;
  /**
   * Optional: file names that hold a second copy of one of the adapter's
   * tensors, each mapped to the file name of the tensor it copies. peft
   * writes a tensor registered at two paths (a tied layer's, say) under both,
   * cloned since safetensors allows no aliases. Saving writes the copy;
   * loading accepts it with the copied tensor's shape (the copied tensor is
   * the one loaded) or its absence. `model` is the PeftModel.
   */
  tiedFileNames?(model: AnyModule, adapterName: string): ReadonlyMap<string, string>;
}
