import { InvalidArgumentError } from '../../errors';
import { assertAdapterName } from './layout';
import { quoteText } from '../../util/quote';

/**
 * Tensor names in Hugging Face peft adapter files versus peftjs's module tree.
 *
 * peft saves `get_peft_model_state_dict(model)`: names of the PeftModel (so under
 * `base_model.model.`) with the adapter name removed, because the name is chosen
 * again at load time. In memory the adapter name sits right after the method's
 * tensor key, as peft's per-adapter dicts (`lora_A[adapter]`) put it:
 *
 *   file    base_model.model.transformer.h.0.attn.c_attn.lora_A.weight
 *   memory                  transformer.h.0.attn.c_attn.lora_A.default.weight
 *   file    base_model.model.model.embed_tokens.lora_embedding_A   (a bare parameter)
 *   memory                  model.embed_tokens.lora_embedding_A.default
 *   file    base_model.model.score.weight                          (modules_to_save)
 *   memory                  score.modules_to_save.default.weight
 *   file    prompt_embeddings                                      (prompt learning)
 *   memory  prompt_embeddings
 *
 * Core knows no method: each method passes its tensor-key prefixes, as peft's
 * `PEFT_TYPE_TO_PREFIX_MAPPING` does (`lora_`, `ia3_`, ...).
 */

/** Where peft's PeftModel keeps the wrapped model: every file name under it starts so. */
export const PEFT_MODEL_PREFIX = 'base_model.model.';

/** The ModulesToSaveWrapper attribute that holds each adapter's trainable copy. */
export const MODULES_TO_SAVE_KEY = 'modules_to_save';

export interface PeftTensorNaming {
  /** The adapter the in-memory names belong to, e.g. `default`. */
  readonly adapterName: string;
  /**
   * Prefixes of the method's tensor keys: a name component starting with one is a
   * method tensor (LoRA: `['lora_']` covers lora_A, lora_B, lora_embedding_A,
   * lora_magnitude_vector; IA3: `['ia3_']`). Exact keys work too.
   */
  readonly tensorKeyPrefixes: readonly string[];
  /**
   * peft's `modules_to_save`: module names matched against the end of the module
   * path on a component boundary (`score` matches `score` and `x.score`). Only
   * file-to-memory needs them: file names carry no marker for these.
   */
  readonly modulesToSave?: readonly string[];
  /**
   * In-memory names stored at the file's top level, outside `base_model.model.`
   * (prompt learning's `prompt_embeddings`). File names outside it always map to
   * themselves.
   */
  readonly topLevelNames?: readonly string[];
}

/** What a file tensor is to the adapter. */
export type PeftTensorRole = 'adapter' | 'modules-to-save' | 'base' | 'top-level';

export interface MemoryTensorName {
  readonly name: string;
  readonly role: PeftTensorRole;
}

function checkedComponents(name: string): string[] {
  const components = name.split('.');
  if (components.some((component) => component === '')) {
    throw new InvalidArgumentError(`Tensor name "${name}" has an empty component (leading, trailing or double dot)`);
  }
  return components;
}

function isMethodKey(component: string | undefined, naming: PeftTensorNaming): boolean {
  return component !== undefined && naming.tensorKeyPrefixes.some((prefix) => component.startsWith(prefix));
}

/** Index in `modulePath` just after the outermost module listed in modules_to_save, or -1. */
function modulesToSaveEnd(modulePath: readonly string[], naming: PeftTensorNaming): number {
  for (let end = 1; end <= modulePath.length; end++) {
    const path = modulePath.slice(0, end).join('.');
    if ((naming.modulesToSave ?? []).some((name) => path === name || path.endsWith(`.${name}`))) return end;
  }
  return -1;
}

/** A peft file name to its in-memory name for `naming.adapterName`, and what it is. */
export function fromPeftFileName(fileName: string, naming: PeftTensorNaming): MemoryTensorName {
  assertAdapterName(naming.adapterName);
  if (!fileName.startsWith(PEFT_MODEL_PREFIX)) return { name: fileName, role: 'top-level' };
  const components = checkedComponents(fileName.slice(PEFT_MODEL_PREFIX.length));
  const last = components.length - 1;
  const saveEnd = modulesToSaveEnd(components.slice(0, last), naming);
  if (saveEnd >= 0) {
    const name = [...components.slice(0, saveEnd), MODULES_TO_SAVE_KEY, naming.adapterName, ...components.slice(saveEnd)];
    return { name: name.join('.'), role: 'modules-to-save' };
  }
  // peft looks at the last occurrence of the prefix: a bare parameter first, then a module's tensor.
  if (isMethodKey(components[last], naming)) return { name: [...components, naming.adapterName].join('.'), role: 'adapter' };
  if (isMethodKey(components[last - 1], naming)) {
    return { name: [...components.slice(0, last), naming.adapterName, components[last]].join('.'), role: 'adapter' };
  }
  return { name: components.join('.'), role: 'base' };
}

/** An in-memory name of `naming.adapterName` to the name peft writes in files. */
export function toPeftFileName(memoryName: string, naming: PeftTensorNaming): string {
  assertAdapterName(naming.adapterName);
  if ((naming.topLevelNames ?? []).includes(memoryName)) return memoryName;
  const components = checkedComponents(memoryName);
  const { adapterName } = naming;
  const saveAt = components.findIndex((component, i) => component === MODULES_TO_SAVE_KEY && components[i + 1] === adapterName);
  let fileComponents: string[];
  const n = components.length;
  if (saveAt > 0) {
    fileComponents = [...components.slice(0, saveAt), ...components.slice(saveAt + 2)];
  } else if (components[n - 1] === adapterName && isMethodKey(components[n - 2], naming)) {
    fileComponents = components.slice(0, n - 1);
  } else if (components[n - 2] === adapterName && isMethodKey(components[n - 3], naming)) {
    fileComponents = [...components.slice(0, n - 2), components[n - 1]];
  } else {
    fileComponents = components; // a base-model tensor saved whole (peft's bias="all")
  }
  return PEFT_MODEL_PREFIX + fileComponents.join('.');
}

function renameAll<T>(tensors: Readonly<Record<string, T>>, rename: (name: string) => string, direction: string): Record<string, T> {
  const out: Record<string, T> = Object.create(null);
  const sources: Record<string, string> = Object.create(null);
  for (const [name, tensor] of Object.entries(tensors)) {
    const renamed = rename(name);
    if (Object.hasOwn(sources, renamed)) {
      throw new InvalidArgumentError(`Tensors ${quoteText(sources[renamed])} and ${quoteText(name)} both map to ${quoteText(renamed)} ${direction}`);
    }
    sources[renamed] = name;
    out[renamed] = tensor;
  }
  return out;
}

/** Rename a whole in-memory adapter state to peft's file names (as `get_peft_model_state_dict`). */
export function toPeftFileState<T>(tensors: Readonly<Record<string, T>>, naming: PeftTensorNaming): Record<string, T> {
  return renameAll(tensors, (name) => toPeftFileName(name, naming), 'in the file');
}

/** Rename a peft file's tensors to in-memory names of one adapter (as `set_peft_model_state_dict`). */
export function fromPeftFileState<T>(tensors: Readonly<Record<string, T>>, naming: PeftTensorNaming): Record<string, T> {
  return renameAll(tensors, (name) => fromPeftFileName(name, naming).name, 'in memory');
}
