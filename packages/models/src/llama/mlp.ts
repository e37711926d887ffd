/** The gated feed-forward of the Llama family (SwiGLU for SiLU): down_proj(act(gate_proj(x)) * up_proj(x)). */
import * as tf from '@tensorflow/tfjs-core';
import { Activation, Linear, Module } from '@peftjs/core';
import type { TensorModule } from '../layers/tensor-module';
import type { LlamaConfig } from './config';

export class LlamaMLP extends Module {
  constructor(config: LlamaConfig) {
    super();
    const { hiddenSize, intermediateSize, mlpBias } = config;
    this.addModule('gate_proj', new Linear(hiddenSize, intermediateSize, { bias: mlpBias }));
    this.addModule('up_proj', new Linear(hiddenSize, intermediateSize, { bias: mlpBias }));
    this.addModule('down_proj', new Linear(intermediateSize, hiddenSize, { bias: mlpBias }));
    this.addModule('act_fn', new Activation(config.activation));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const sub = (name: string) => this.getSubmodule(name) as TensorModule;
    return sub('down_proj').call(tf.mul(sub('act_fn').call(sub('gate_proj').call(x)), sub('up_proj').call(x)));
  }
}
