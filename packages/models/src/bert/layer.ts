/**
 * One post-norm encoder layer, built at the module paths its layout names
 * (BERT's `attention.self.query`, ..., DistilBERT's `attention.q_lin`, ...):
 *
 *   h1 = LayerNorm(dropout(attentionOutput(selfAttention(x))) + x)
 *   h2 = LayerNorm(dropout(output(activation(intermediate(h1)))) + h1)
 *
 * The parts are leaves found by path on every call, so a module swapped in at
 * a path (a LoRA layer, a bottleneck adapter around a dropout) is what runs.
 * The containers between them (`attention`, `attention.self`, `ffn`) are
 * plain ModuleDicts that only hold names.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Dropout, LayerNorm, Linear, Module, ModuleDict, type AnyModule } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import { appendKeyValue, mergeHeads, scaledDotProductAttention, splitHeads } from '../transformer/attention';
import type { AttentionInput, AttentionOutput } from '../transformer/types';
import type { BertConfig } from './config';
import { BERT_LAYOUT, type EncoderLayerNames } from './layout';

export class BertLayer extends Module<AttentionInput, AttentionOutput> {
  constructor(
    readonly config: BertConfig,
    readonly names: EncoderLayerNames = BERT_LAYOUT.layer,
  ) {
    super();
    const { hiddenSize, intermediateSize, layerNormEps: eps } = config;
    const parts: Array<[string | undefined, () => AnyModule]> = [
      [names.query, () => new Linear(hiddenSize, hiddenSize)],
      [names.key, () => new Linear(hiddenSize, hiddenSize)],
      [names.value, () => new Linear(hiddenSize, hiddenSize)],
      [names.attentionDropout, () => new Dropout(config.attentionDropout)],
      [names.attentionOutput, () => new Linear(hiddenSize, hiddenSize)],
      [names.attentionOutputDropout, () => new Dropout(config.hiddenDropout)],
      [names.attentionNorm, () => new LayerNorm(hiddenSize, { eps })],
      [names.intermediate, () => new Linear(hiddenSize, intermediateSize)],
      [names.activation, () => new Activation(config.activation)],
      [names.output, () => new Linear(intermediateSize, hiddenSize)],
      [names.outputDropout, () => new Dropout(config.hiddenDropout)],
      [names.outputNorm, () => new LayerNorm(hiddenSize, { eps })],
    ];
    for (const [path, make] of parts) if (path !== undefined) this.place(path, make());
  }

  forward({ hiddenStates, bias, past, useCache }: AttentionInput): AttentionOutput {
    const { numHeads, hiddenSize } = this.config;
    const names = this.names;
    const sub = (path: string) => this.getSubmodule(path) as TensorModule;
    const project = (path: string) => splitHeads(sub(path).call(hiddenStates), numHeads);
    const all = appendKeyValue(past, project(names.key), project(names.value));
    const scale = 1 / Math.sqrt(hiddenSize / numHeads);
    const context = scaledDotProductAttention(project(names.query), all.key, all.value, bias, scale, (p) => sub(names.attentionDropout).call(p));
    let attended = sub(names.attentionOutput).call(mergeHeads(context));
    if (names.attentionOutputDropout !== undefined) attended = sub(names.attentionOutputDropout).call(attended);
    const h1 = sub(names.attentionNorm).call(tf.add(attended, hiddenStates));
    const inner = sub(names.activation).call(sub(names.intermediate).call(h1));
    const h2 = sub(names.outputNorm).call(tf.add(sub(names.outputDropout).call(sub(names.output).call(inner)), h1));
    return { hiddenStates: h2, present: useCache ? all : undefined };
  }

  /** Adds `module` at the dotted `path`, creating the ModuleDicts on the way. */
  private place(path: string, module: AnyModule): void {
    const parts = path.split('.');
    let parent: ModuleDict | undefined;
    for (const name of parts.slice(0, -1)) {
      const siblings: Array<[string, AnyModule]> = parent ? parent.namedChildren() : this.namedChildren();
      let next = siblings.find(([key]) => key === name)?.[1] as ModuleDict | undefined;
      if (next === undefined) next = parent ? (parent.set(name, new ModuleDict()) as ModuleDict) : this.addModule(name, new ModuleDict());
      parent = next;
    }
    const leaf = parts[parts.length - 1];
    if (parent) parent.set(leaf, module);
    else this.addModule(leaf, module as unknown as Module<never, unknown>);
  }
}
