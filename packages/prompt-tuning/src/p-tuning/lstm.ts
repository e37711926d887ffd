/**
 * A bidirectional, multi-layer LSTM over one sequence, with PyTorch's
 * parameter names and layout (`weight_ih_l0` [4H, in], `weight_hh_l0` [4H, H],
 * `bias_ih_l0`, `bias_hh_l0`, `..._reverse`; gates in the order i, f, g, o) and
 * PyTorch's U(-1/sqrt(H), 1/sqrt(H)) initialisation. Core has no recurrent
 * layer; P-tuning runs it over only n virtual tokens, so a step loop is cheap.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Dropout, Module, init, matMul, type Generator, type Parameter } from '@peftjs/core';

interface Direction {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter;
  biasHh: Parameter;
}

export interface LstmShape {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** Between layers, in training mode only (PyTorch's `dropout`). */
  readonly dropout: number;
}

export class BidirectionalLstm extends Module {
  private readonly layers: Array<[Direction, Direction]> = [];
  private readonly dropout: Dropout;

  constructor(
    readonly shape: LstmShape,
    rng?: Generator,
  ) {
    super();
    const { inputSize, hiddenSize, numLayers } = shape;
    const bound = 1 / Math.sqrt(hiddenSize);
    const uniform = (dims: number[]) => init.uniform(dims, -bound, bound, rng);
    for (let layer = 0; layer < numLayers; layer++) {
      const width = layer === 0 ? inputSize : 2 * hiddenSize;
      const direction = (suffix: string): Direction => ({
        weightIh: this.addParameter(`weight_ih_l${layer}${suffix}`, uniform([4 * hiddenSize, width])),
        weightHh: this.addParameter(`weight_hh_l${layer}${suffix}`, uniform([4 * hiddenSize, hiddenSize])),
        biasIh: this.addParameter(`bias_ih_l${layer}${suffix}`, uniform([4 * hiddenSize])),
        biasHh: this.addParameter(`bias_hh_l${layer}${suffix}`, uniform([4 * hiddenSize])),
      });
      this.layers.push([direction(''), direction('_reverse')]);
    }
    // A parameterless child: not part of PyTorch's names, which count parameters only.
    this.dropout = this.addModule('dropout', new Dropout(shape.dropout, rng));
  }

  /** [seq, inputSize] -> [seq, 2 * hiddenSize]: forward and backward states side by side. */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let sequence = x;
      this.layers.forEach(([forward, backward], layer) => {
        if (layer > 0) sequence = this.dropout.call(sequence);
        sequence = tf.concat([this.run(sequence, forward, false), this.run(sequence, backward, true)], 1);
      });
      return sequence;
    });
  }

  private run(x: tf.Tensor, direction: Direction, reverse: boolean): tf.Tensor {
    const hidden = this.shape.hiddenSize;
    const steps = x.shape[0];
    // The input projection of every step at once; only the recurrent part loops.
    const projected = tf.add(tf.add(matMul(x, direction.weightIh.read(), false, true), direction.biasIh.read()), direction.biasHh.read());
    // Transposed once, not at every step (wasm's matMul with transposeB is several times slower).
    const weightHhT = tf.transpose(direction.weightHh.read());
    let h = tf.zeros([1, hidden]);
    let c = tf.zeros([1, hidden]);
    const outputs: tf.Tensor[] = new Array(steps);
    for (let k = 0; k < steps; k++) {
      const t = reverse ? steps - 1 - k : k;
      const gates = tf.add(tf.slice(projected, [t, 0], [1, 4 * hidden]), tf.matMul(h, weightHhT));
      const [i, f, g, o] = tf.split(gates, 4, 1);
      c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      outputs[t] = h;
    }
    return tf.concat(outputs, 0);
  }
}
