/**
 * Recognises @peftjs/models' architectures by their module names rather than
 * by class (this package does not depend on @peftjs/models, and class names do
 * not survive minifiers): a GPT-2 block has `ln_1`, `attn`, `ln_2`, `mlp`; a
 * BERT layer has `attention`, `intermediate`, `output`; an MLP is a Sequential
 * of Linear layers and activations.
 */
import { Sequential, adaptableModules, type AnyModule } from '@peftjs/core';

export interface Block {
  /** The block's path (`transformer.h.3`). */
  readonly path: string;
  /** Its layer index (the `3` of `h.3`), by which `leave_out` skips it. */
  readonly index: number;
}

function childNames(module: AnyModule): Set<string> {
  return new Set(module.namedChildren().map(([name]) => name));
}

function blocksWith(model: AnyModule, names: readonly string[]): Block[] {
  const found = adaptableModules(model).filter(([, module]) => {
    const children = childNames(module);
    return names.every((name) => children.has(name));
  });
  return found.map(([path], ordinal) => {
    const last = path.slice(path.lastIndexOf('.') + 1);
    return { path, index: /^\d+$/.test(last) ? Number(last) : ordinal };
  });
}

export function gpt2Blocks(model: AnyModule): Block[] {
  return blocksWith(model, ['ln_1', 'attn', 'ln_2', 'mlp']);
}

export function bertLayers(model: AnyModule): Block[] {
  return blocksWith(model, ['attention', 'intermediate', 'output']);
}

/** Sequential modules (an MLP, or an MLP inside a model). */
export function sequentials(model: AnyModule): Array<[string, AnyModule]> {
  const all: Array<[string, AnyModule]> = [['', model], ...adaptableModules(model)];
  return all.filter(([, module]) => module instanceof Sequential);
}

export type Architecture = 'gpt2' | 'bert' | 'mlp';

export function detectArchitecture(model: AnyModule): Architecture | undefined {
  if (gpt2Blocks(model).length > 0) return 'gpt2';
  if (bertLayers(model).length > 0) return 'bert';
  if (sequentials(model).length > 0) return 'mlp';
  return undefined;
}

/** `prefix.path`, or `path` when the prefix is the root. */
export function joinPath(prefix: string, path: string): string {
  return prefix === '' ? path : `${prefix}.${path}`;
}
