/**
 * Small versions of the model zoo, each a loss of its parameters, to find and
 * check every kernel training needs: an MLP, a CNN, a transformer encoder, a
 * GPT-like decoder and a MobileNetV2 inverted-residual block.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, values, type GradientCase } from './gradient-check';

const param = (shape: number[], seed: number, scale = 0.5) => input(shape, values(tf.util.sizeFromShape(shape), seed, -scale, scale));
const data = (shape: number[], seed: number) => tf.tensor(values(tf.util.sizeFromShape(shape), seed), shape);
const labels = (vals: number[]) => tf.tensor1d(vals, 'int32');

function crossEntropy(logits: tf.Tensor, target: number[]): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels(target), logits.shape[logits.rank - 1]), logits) as tf.Scalar;
}

function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, tf.scalar(1e-5)))), gamma), beta);
}

/** GELU, tanh approximation (GPT-2). */
function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.scalar(Math.sqrt(2 / Math.PI)), tf.add(x, tf.mul(tf.scalar(0.044715), tf.pow(x, tf.scalar(3)))));
  return tf.mul(tf.mul(tf.scalar(0.5), x), tf.add(tf.scalar(1), tf.tanh(inner)));
}

/** GELU, exact (BERT). */
function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(tf.scalar(0.5), x), tf.add(tf.scalar(1), tf.erf(tf.div(x, tf.scalar(Math.SQRT2)))));
}

/** Multi-head self-attention on [batch, seq, d]; `causal` masks future positions with where(). */
function attention(h: tf.Tensor, wq: tf.Tensor, wk: tf.Tensor, wv: tf.Tensor, wo: tf.Tensor, heads: number, causal: boolean): tf.Tensor {
  const [batch, seq, d] = h.shape;
  const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, seq, heads, d / heads]), [0, 2, 1, 3]);
  const q = split(tf.matMul(h, wq));
  const k = split(tf.matMul(h, wk));
  const v = split(tf.matMul(h, wv));
  let scores = tf.div(tf.matMul(q, k, false, true), tf.scalar(Math.sqrt(d / heads)));
  if (causal) {
    const allowed = tf.tensor(Array.from({ length: seq * seq }, (_, i) => (i % seq <= Math.floor(i / seq) ? 1 : 0)), [seq, seq], 'bool');
    scores = tf.where(tf.broadcastTo(allowed, scores.shape), scores, tf.fill(scores.shape, -1e9));
  }
  const context = tf.matMul(tf.softmax(scores), v);
  return tf.matMul(tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, d]), wo);
}

export const MODEL_CASES: GradientCase[] = [
  {
    name: 'MLP',
    inputs: [param([6, 8], 200), param([8], 201), param([8, 3], 202), param([3], 203)],
    loss: (w1, b1, w2, b2) => {
      const hidden = tf.relu(tf.add(tf.matMul(data([4, 6], 204), w1), b1));
      return crossEntropy(tf.add(tf.matMul(hidden, w2), b2), [0, 2, 1, 2]);
    },
    epsilon: 1e-3,
  },
  {
    name: 'small CNN (conv, relu, maxPool, avgPool, dense)',
    inputs: [param([3, 3, 2, 4], 210), param([4], 211), param([3, 3, 4, 4], 212), param([4, 3], 213)],
    loss: (k1, b1, k2, w) => {
      const x = data([2, 6, 6, 2], 214) as tf.Tensor4D;
      const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, k1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D, 2, 2, 'valid');
      const h2 = tf.avgPool(tf.relu(tf.conv2d(h1, k2 as tf.Tensor4D, 1, 'same')) as tf.Tensor4D, 3, 3, 'valid');
      return crossEntropy(tf.matMul(tf.reshape(h2, [2, 4]), w), [1, 2]);
    },
    epsilon: 1e-3,
  },
  {
    name: 'transformer encoder layer',
    inputs: [
      param([10, 8], 220), // token embeddings
      param([4, 8], 221), // positions
      ...[222, 223, 224, 225].map((s) => param([8, 8], s)), // wq, wk, wv, wo
      param([8], 226, 1), // ln gamma
      param([8], 227), // ln beta
      param([8, 16], 228),
      param([16, 8], 229),
      param([8, 3], 230),
    ],
    loss: (embedding, positions, wq, wk, wv, wo, gamma, beta, w1, w2, classifier) => {
      const tokens = tf.tensor2d([[1, 4, 4, 9], [0, 2, 7, 4]], [2, 4], 'int32');
      const x = tf.add(tf.gather(embedding, tokens), positions);
      const h = layerNorm(tf.add(x, attention(x, wq, wk, wv, wo, 2, false)), gamma, beta);
      const out = tf.add(h, tf.matMul(geluErf(tf.matMul(h, w1)), w2));
      return crossEntropy(tf.matMul(tf.mean(out, 1), classifier), [2, 0]);
    },
    maxChecked: 12,
  },
  {
    name: 'GPT-like decoder (causal mask, fused qkv, tied embeddings, dropout)',
    inputs: [param([12, 8], 240), param([5, 8], 241), param([8, 24], 242), param([8, 8], 243), param([8], 244, 1), param([8], 245), param([8, 16], 246), param([16], 247), param([16, 8], 248)],
    loss: (embedding, positions, wqkv, wo, gamma, beta, w1, b1, w2) => {
      const tokens = tf.tensor2d([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]], [2, 5], 'int32');
      const x = tf.add(tf.gather(embedding, tokens), tf.tile(tf.expandDims(positions, 0), [2, 1, 1]));
      const normed = layerNorm(x, gamma, beta);
      const [wq, wk, wv] = tf.split(wqkv, 3, 1);
      const h = tf.add(x, tf.dropout(attention(normed, wq, wk, wv, wo, 2, true), 0.1, undefined, 11));
      const h2 = tf.add(h, tf.matMul(geluTanh(tf.add(tf.matMul(h, w1), b1)), w2));
      // next-token loss on positions 0..3, logits through the tied embedding
      const logits = tf.matMul(tf.stridedSlice(h2, [0, 0, 0], [2, 4, 8], [1, 1, 1]), embedding, false, true);
      return crossEntropy(tf.reshape(logits, [8, 12]), [1, 4, 1, 5, 2, 6, 5, 3]);
    },
    maxChecked: 12,
  },
  {
    name: 'MobileNetV2 inverted residual block',
    inputs: [param([3, 3, 3, 8], 260), param([3, 3, 8, 1], 261), param([1, 1, 8, 3], 262), param([8], 263, 1), param([8], 264), param([3, 3], 265)],
    loss: (expand, depthwise, project, gamma, beta, classifier) => {
      const x = data([2, 8, 8, 3], 266) as tf.Tensor4D;
      const movingMean = data([8], 267);
      const movingVariance = tf.add(tf.abs(data([8], 268)), tf.scalar(0.5));
      const bn = (t: tf.Tensor) => tf.batchNorm(t, movingMean, movingVariance, beta, gamma, 1e-3);
      const e = tf.relu6(bn(tf.conv2d(x, expand as tf.Tensor4D, 1, 'same')));
      const d = tf.relu6(bn(tf.depthwiseConv2d(e as tf.Tensor4D, depthwise as tf.Tensor4D, 1, 'same')));
      const p = tf.add(tf.conv2d(d as tf.Tensor4D, project as tf.Tensor4D, 1, 'same'), x);
      const pooled = tf.reshape(tf.avgPool(p as tf.Tensor4D, 8, 8, 'valid'), [2, 3]);
      return crossEntropy(tf.matMul(pooled, classifier), [0, 2]);
    },
    epsilon: 1e-3,
    maxChecked: 24,
  },
];
