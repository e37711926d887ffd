/**
 * AdapterFusion's attention (Pfeiffer et al., 2021), as AdapterHub computes it
 * with its default config: per token, the query is the layer's output before
 * the adapters (h), keys and values are each adapter's contribution
 * d_i = adapter_i(h) - h, and
 *
 *   p = softmax_i(Q(h) . K(d_i) / T),   output = h + sum_i p_i V(d_i).
 *
 * V starts as the identity and Q, K small, so a new fusion starts near the
 * plain average of the adapters.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface FusionProjections {
  readonly query: (x: tf.Tensor) => tf.Tensor;
  readonly key: (x: tf.Tensor) => tf.Tensor;
  readonly value: (x: tf.Tensor) => tf.Tensor;
  readonly temperature: number;
}

export interface FusionResult {
  readonly output: tf.Tensor;
  /** [..., adapters]: each token's attention over the adapters. */
  readonly weights: tf.Tensor;
}

export function fuseAdapterOutputs(h: tf.Tensor, outputs: readonly tf.Tensor[], projections: FusionProjections): FusionResult {
  return tf.tidy(() => {
    const deltas = outputs.map((output) => tf.sub(output, h));
    const query = projections.query(h);
    const scores = deltas.map((delta) => tf.sum(tf.mul(query, projections.key(delta)), -1, true));
    const weights = tf.softmax(tf.div(tf.concat(scores, -1), projections.temperature));
    const mixed = tf.addN(deltas.map((delta, i) => tf.mul(sliceLast(weights, i), projections.value(delta))));
    return { output: tf.add(h, mixed), weights };
  });
}

function sliceLast(t: tf.Tensor, index: number): tf.Tensor {
  const begin = t.shape.map((_, axis) => (axis === t.rank - 1 ? index : 0));
  const size = t.shape.map((d, axis) => (axis === t.rank - 1 ? 1 : d));
  return tf.slice(t, begin, size);
}
