/**
 * One gradient case per op (or small op group) that models in the zoo use.
 * Inputs avoid kinks and ties by more than the finite-difference step, so a
 * mismatch means a wrong gradient, not a non-differentiable point.
 */
import * as tf from '@tensorflow/tfjs-core';
import { awayFromZero, distinct, input, values, type GradientCase } from './gradient-check';

/** sum(y * W) with a fixed W: every element of y gets its own weight, so a permuted gradient shows. */
export function weighted(y: tf.Tensor, seed = 99): tf.Scalar {
  return tf.sum(tf.mul(y, tf.tensor(values(y.size, seed), y.shape)));
}

const constant = (shape: number[], seed: number, min = -1, max = 1) => tf.tensor(values(tf.util.sizeFromShape(shape), seed, min, max), shape);
const ints = (vals: number[], shape?: number[]) => tf.tensor(vals, shape ?? [vals.length], 'int32');

function unary(name: string, f: (x: tf.Tensor) => tf.Tensor, vals: number[] = values(12, 1)): GradientCase {
  return { name, inputs: [input([3, 4], vals)], loss: (x) => weighted(f(x)) };
}

const positive = values(12, 2, 0.5, 2);
const unit = values(12, 3, -0.8, 0.8);

export const ELEMENTWISE_CASES: GradientCase[] = [
  unary('neg', tf.neg),
  unary('abs', tf.abs, awayFromZero(12, 4)),
  unary('exp', tf.exp),
  unary('expm1', tf.expm1),
  unary('log', tf.log, positive),
  unary('log1p', tf.log1p, positive),
  unary('sqrt', tf.sqrt, positive),
  unary('rsqrt', tf.rsqrt, positive),
  unary('square', tf.square),
  unary('reciprocal', tf.reciprocal, awayFromZero(12, 5, 0.5)),
  unary('erf', tf.erf),
  unary('tanh', tf.tanh),
  unary('sigmoid', tf.sigmoid),
  unary('softplus', tf.softplus),
  unary('sin', tf.sin),
  unary('cos', tf.cos),
  unary('tan', tf.tan),
  unary('sinh', tf.sinh),
  unary('cosh', tf.cosh),
  unary('asin', tf.asin, unit),
  unary('acos', tf.acos, unit),
  unary('atan', tf.atan),
  unary('asinh', tf.asinh),
  unary('acosh', tf.acosh, values(12, 6, 1.2, 2)),
  unary('atanh', tf.atanh, unit),
  unary('relu', tf.relu, awayFromZero(12, 7)),
  unary('relu6', tf.relu6, [-1, -0.2, 0.3, 1, 2.5, 5.5, 5.9, 6.2, 7, 0.5, -3, 3]),
  unary('leakyRelu', (x) => tf.leakyRelu(x, 0.2), awayFromZero(12, 8)),
  unary('elu', tf.elu, awayFromZero(12, 9)),
  unary('selu', tf.selu, awayFromZero(12, 10)),
  unary('clipByValue', (x) => tf.clipByValue(x, -0.5, 0.5), [-0.9, -0.4, 0.1, 0.45, 0.7, -0.6, 0.2, 0, -0.1, 0.3, 0.8, -0.3]),
  unary('sign, floor, round, step (zero gradients)', (x) => tf.mul(x, tf.add(tf.add(tf.sign(x), tf.floor(x)), tf.add(tf.round(x), tf.step(x)))), awayFromZero(12, 11, 0.1, 0.4)),
  unary('softmax', (x) => tf.softmax(x)),
  unary('logSoftmax', (x) => tf.logSoftmax(x)),
  unary('logSigmoid', tf.logSigmoid),
  unary('dropout (seeded mask)', (x) => tf.dropout(x, 0.5, undefined, 7)),
  unary('cast and comparisons on the path', (x) => tf.mul(x, tf.cast(tf.greater(x, 0), 'float32')), awayFromZero(12, 12)),
];

function binary(name: string, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: number[], b: number[], bShape = [4]): GradientCase {
  return { name, inputs: [input([3, 4], a), input(bShape, b)], loss: (x, y) => weighted(f(x, y)) };
}

const pair = distinct(24, 13);

export const BINARY_CASES: GradientCase[] = [
  binary('add (broadcast)', tf.add, values(12, 20), values(4, 21)),
  binary('sub (broadcast)', tf.sub, values(12, 22), values(4, 23)),
  binary('mul (broadcast)', tf.mul, values(12, 24), values(4, 25)),
  binary('div (broadcast)', tf.div, values(12, 26), values(4, 27, 0.5, 2)),
  binary('maximum', tf.maximum, pair.slice(0, 12), pair.slice(12), [3, 4]),
  binary('minimum', tf.minimum, pair.slice(0, 12), pair.slice(12), [3, 4]),
  binary('pow', tf.pow, values(12, 28, 0.5, 1.5), values(4, 29, 0.5, 2.5)),
  binary('squaredDifference', tf.squaredDifference, values(12, 30), values(4, 31)),
  binary('atan2', tf.atan2, values(12, 32), values(4, 33, 0.5, 1)),
  binary('prelu', tf.prelu, awayFromZero(12, 34), values(4, 35, 0.1, 0.3)),
  { name: 'pow with integer exponent and negative base', inputs: [input([6], awayFromZero(6, 36))], loss: (x) => weighted(tf.pow(x, tf.scalar(3))) },
  { name: 'addN', inputs: [input([2, 3], values(6, 37)), input([2, 3], values(6, 38))], loss: (a, b) => weighted(tf.addN([a, b, a])) },
];

export const REDUCTION_CASES: GradientCase[] = [
  { name: 'sum over an axis, keepDims', inputs: [input([3, 4], values(12, 40))], loss: (x) => weighted(tf.sum(x, 1, true)) },
  { name: 'sum of all', inputs: [input([3, 4], values(12, 41))], loss: (x) => tf.mul(tf.sum(x), tf.sum(x)) },
  { name: 'mean over two axes', inputs: [input([2, 3, 4], values(24, 42))], loss: (x) => weighted(tf.mean(x, [0, 2])) },
  { name: 'max over an axis', inputs: [input([3, 4], distinct(12, 43))], loss: (x) => weighted(tf.max(x, 1)) },
  { name: 'min of all', inputs: [input([3, 4], distinct(12, 44))], loss: (x) => tf.mul(tf.min(x), tf.scalar(3)) },
  { name: 'cumsum', inputs: [input([3, 4], values(12, 45))], loss: (x) => weighted(tf.cumsum(x, 1)) },
  { name: 'cumsum exclusive reverse', inputs: [input([3, 4], values(12, 46))], loss: (x) => weighted(tf.cumsum(x, 0, true, true)) },
  {
    name: 'moments (layer norm statistics)',
    inputs: [input([3, 5], values(15, 47))],
    loss: (x) => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(weighted(mean, 1), weighted(variance, 2));
    },
  },
];

const x234 = values(24, 50);

export const SHAPE_CASES: GradientCase[] = [
  { name: 'reshape', inputs: [input([2, 3, 4], x234)], loss: (x) => weighted(tf.reshape(x, [6, 4])) },
  { name: 'transpose', inputs: [input([2, 3, 4], x234)], loss: (x) => weighted(tf.transpose(x, [2, 0, 1])) },
  { name: 'expandDims and squeeze', inputs: [input([3, 4], values(12, 51))], loss: (x) => weighted(tf.squeeze(tf.mul(tf.expandDims(x, 1), tf.scalar(2)), [1])) },
  {
    name: 'concat of three',
    inputs: [input([2, 1], values(2, 52)), input([2, 3], values(6, 53)), input([2, 2], values(4, 54))],
    loss: (a, b, c) => weighted(tf.concat([a, b, c], 1)),
  },
  { name: 'stack', inputs: [input([2, 3], values(6, 55)), input([2, 3], values(6, 56))], loss: (a, b) => weighted(tf.stack([a, b], 1)) },
  {
    name: 'unstack (one piece unused)',
    inputs: [input([3, 4], values(12, 57))],
    loss: (x) => {
      const [p, , r] = tf.unstack(x);
      return tf.add(weighted(p, 1), weighted(r, 2));
    },
  },
  {
    name: 'split into sizes',
    inputs: [input([3, 4], values(12, 58))],
    loss: (x) => {
      const [p, q] = tf.split(x, [1, 3], -1);
      return tf.add(weighted(p, 1), weighted(tf.square(q), 2));
    },
  },
  { name: 'slice', inputs: [input([2, 3, 4], x234)], loss: (x) => weighted(tf.slice(x, [0, 1, 1], [2, -1, 2])) },
  { name: 'stridedSlice, stride 2', inputs: [input([4, 6], values(24, 59))], loss: (x) => weighted(tf.stridedSlice(x, [0, 1], [4, 6], [2, 2])) },
  { name: 'stridedSlice, negative strides', inputs: [input([4, 6], values(24, 60))], loss: (x) => weighted(tf.stridedSlice(x, [3, 5], [0, 0], [-1, -2], 0, 1)) },
  {
    name: 'stridedSlice, shrink and new axis',
    inputs: [input([4, 6], values(24, 61))],
    loss: (x) => weighted(tf.stridedSlice(x, [1, 0, 2], [2, 0, 6], [1, 1, 1], 0, 0, 0, 2, 1)),
  },
  { name: 'stridedSlice, ellipsis', inputs: [input([2, 3, 4], x234)], loss: (x) => weighted(tf.stridedSlice(x, [0, 1], [0, 3], [1, 1], 0, 0, 1)) },
  { name: 'tile', inputs: [input([2, 3], values(6, 62))], loss: (x) => weighted(tf.tile(x, [3, 2])) },
  { name: 'broadcastTo', inputs: [input([1, 3], values(3, 63))], loss: (x) => weighted(tf.broadcastTo(x, [4, 3])) },
  { name: 'pad', inputs: [input([2, 3], values(6, 64))], loss: (x) => weighted(tf.pad(x, [[1, 2], [0, 1]], 0.5)) },
  { name: 'mirrorPad reflect', inputs: [input([3, 4], values(12, 65))], loss: (x) => weighted(tf.mirrorPad(x, [[2, 1], [1, 3]], 'reflect')) },
  { name: 'mirrorPad symmetric', inputs: [input([3, 4], values(12, 66))], loss: (x) => weighted(tf.mirrorPad(x, [[2, 3], [4, 1]], 'symmetric')) },
  { name: 'reverse', inputs: [input([2, 3, 4], x234)], loss: (x) => weighted(tf.reverse(x, [0, 2])) },
  {
    name: 'spaceToBatchND and batchToSpaceND',
    inputs: [input([1, 4, 4, 1], values(16, 67))],
    loss: (x) => weighted(tf.batchToSpaceND(tf.square(tf.spaceToBatchND(x, [2, 2], [[0, 0], [0, 0]])), [2, 2], [[0, 0], [0, 0]])),
  },
];

export const INDEXING_CASES: GradientCase[] = [
  { name: 'gather rows, repeated indices', inputs: [input([5, 3], values(15, 70))], loss: (x) => weighted(tf.gather(x, ints([4, 0, 4, 2, 4]))) },
  { name: 'gather on axis 1, 2-D indices', inputs: [input([2, 5, 3], values(30, 71))], loss: (x) => weighted(tf.gather(x, ints([1, 3, 3, 0], [2, 2]), 1)) },
  { name: 'gatherND', inputs: [input([3, 4], values(12, 72))], loss: (x) => weighted(tf.gatherND(x, ints([0, 1, 2, 3, 0, 1], [3, 2]))) },
  {
    name: 'unsortedSegmentSum',
    inputs: [input([5, 2], values(10, 73))],
    loss: (x) => weighted(tf.square(tf.unsortedSegmentSum(x, ints([2, 0, 2, 1, 0]) as tf.Tensor1D, 3))),
  },
  {
    name: 'where',
    inputs: [input([2, 3], values(6, 74)), input([2, 3], values(6, 75))],
    loss: (a, b) => weighted(tf.where(tf.tensor([1, 0, 1, 0, 0, 1], [2, 3], 'bool'), a, b)),
  },
  {
    name: 'oneHot labels times logits',
    inputs: [input([3, 4], values(12, 76))],
    loss: (x) => weighted(tf.mul(x, tf.cast(tf.oneHot(ints([2, 0, 3]), 4), 'float32'))),
  },
];

export const MATMUL_CASES: GradientCase[] = [
  { name: 'matMul', inputs: [input([3, 4], values(12, 80)), input([4, 2], values(8, 81))], loss: (a, b) => weighted(tf.matMul(a, b)) },
  { name: 'matMul transposeA', inputs: [input([4, 3], values(12, 82)), input([4, 2], values(8, 83))], loss: (a, b) => weighted(tf.matMul(a, b, true)) },
  { name: 'matMul transposeB', inputs: [input([3, 4], values(12, 84)), input([2, 4], values(8, 85))], loss: (a, b) => weighted(tf.matMul(a, b, false, true)) },
  {
    name: 'batched matMul, both transposed',
    inputs: [input([2, 4, 3], values(24, 86)), input([2, 5, 4], values(40, 87))],
    loss: (a, b) => weighted(tf.matMul(a, b, true, true)),
  },
  {
    name: 'batched matMul, broadcast weights',
    inputs: [input([2, 3, 4], values(24, 88)), input([4, 2], values(8, 89))],
    loss: (a, b) => weighted(tf.matMul(a, b)),
  },
  {
    name: 'fused matMul with bias and relu',
    inputs: [input([3, 4], values(12, 90)), input([4, 2], values(8, 91)), input([2], values(2, 92))],
    loss: (a, b, bias) => weighted(tf.fused.matMul({ a, b, bias, activation: 'relu' })),
    // relu of a sum: keep the finite-difference step well inside each side of the kink.
    epsilon: 1e-3,
  },
];

const image = (seed: number, shape = [2, 5, 5, 3]) => input(shape, values(tf.util.sizeFromShape(shape), seed));
const filter = (shape: number[], seed: number) => input(shape, values(tf.util.sizeFromShape(shape), seed, -0.5, 0.5));

export const CONV_CASES: GradientCase[] = [
  { name: 'conv2d same', inputs: [image(100), filter([3, 3, 3, 4], 101)], loss: (x, w) => weighted(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')) },
  { name: 'conv2d valid stride 2', inputs: [image(102, [2, 7, 6, 2]), filter([3, 2, 2, 3], 103)], loss: (x, w) => weighted(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid')) },
  {
    name: 'conv2d explicit padding, stride [2, 1]',
    inputs: [image(104, [1, 6, 5, 2]), filter([3, 3, 2, 2], 105)],
    loss: (x, w) => weighted(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, [2, 1], [[0, 0], [1, 0], [2, 1], [0, 0]])),
  },
  {
    name: 'conv2dTranspose',
    inputs: [image(106, [1, 3, 3, 2]), filter([3, 3, 4, 2], 107)],
    loss: (x, w) => weighted(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [1, 6, 6, 4], 2, 'same')),
  },
  {
    name: 'depthwiseConv2d multiplier 2 stride 2',
    inputs: [image(108, [2, 6, 6, 3]), filter([3, 3, 3, 2], 109)],
    loss: (x, w) => weighted(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')),
  },
  {
    name: 'separableConv2d',
    inputs: [image(112, [1, 5, 5, 2]), filter([3, 3, 2, 2], 113), filter([1, 1, 4, 3], 114)],
    loss: (x, d, p) => weighted(tf.separableConv2d(x as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 1, 'same')),
  },
  {
    name: 'fused conv2d with bias and relu6',
    // Seeds chosen so that no pre-activation is within 0.02 of relu6's kinks (0 and 6).
    inputs: [image(115), filter([3, 3, 3, 4], 116), input([4], values(4, 121))],
    loss: (x, w, bias) => weighted(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu6' })),
    epsilon: 1e-3,
  },
  { name: 'maxPool', inputs: [input([2, 4, 4, 2], distinct(64, 118))], loss: (x) => weighted(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')) },
  { name: 'avgPool same', inputs: [image(119)], loss: (x) => weighted(tf.avgPool(x as tf.Tensor4D, 3, 1, 'same')) },
  {
    name: 'batchNorm, all five inputs',
    inputs: [image(120, [2, 3, 3, 2]), input([2], values(2, 121)), input([2], values(2, 122, 0.5, 1.5)), input([2], values(2, 123)), input([2], values(2, 124, 0.5, 1.5))],
    loss: (x, mean, variance, offset, scale) => weighted(tf.batchNorm(x, mean, variance, offset, scale, 1e-3)),
  },
  {
    // Statistics read cyclically by the kernel (see gradients/normalization.ts), here [1, 1, 1, C] and full size.
    name: 'batchNorm, batch statistics from moments',
    inputs: [image(126, [2, 3, 3, 2]), input([1, 1, 1, 2], values(2, 127, 0.5, 1.5)), input([2, 3, 3, 2], values(36, 128))],
    loss: (x, scale, offset) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2], true);
      return weighted(tf.batchNorm(x, mean, variance, offset, scale, 1e-3));
    },
  },
  {
    name: 'resizeBilinear',
    inputs: [image(125, [1, 3, 3, 2])],
    loss: (x) => weighted(tf.image.resizeBilinear(x as tf.Tensor4D, [5, 4])),
  },
];

export const LOSS_CASES: GradientCase[] = [
  {
    name: 'softmax cross entropy with oneHot labels',
    inputs: [input([3, 4], values(12, 130))],
    loss: (logits) => tf.losses.softmaxCrossEntropy(tf.oneHot(ints([1, 3, 0]), 4), logits) as tf.Scalar,
  },
  {
    name: 'sigmoid cross entropy',
    inputs: [input([3, 4], values(12, 131))],
    loss: (logits) => tf.losses.sigmoidCrossEntropy(constant([3, 4], 132, 0, 1), logits) as tf.Scalar,
  },
  {
    name: 'mean squared error',
    inputs: [input([3, 4], values(12, 133))],
    loss: (y) => tf.losses.meanSquaredError(constant([3, 4], 134), y) as tf.Scalar,
  },
];

export const OP_CASES: GradientCase[] = [
  ...ELEMENTWISE_CASES,
  ...BINARY_CASES,
  ...REDUCTION_CASES,
  ...SHAPE_CASES,
  ...INDEXING_CASES,
  ...MATMUL_CASES,
  ...CONV_CASES,
  ...LOSS_CASES,
];
