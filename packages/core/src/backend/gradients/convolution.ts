/**
 * Gradients of 2-D convolutions, and of their backprop kernels too, so that a
 * gradient step through a CNN can itself be differentiated (second-order MAML).
 *
 * All three kernels of a convolution are bilinear forms of the same sum
 * S(x, w, dy) = <conv(x, w), dy>: conv = dS/d dy, backpropInput = dS/dx,
 * backpropFilter = dS/dw. Differentiating any one of them therefore gives
 * the other two with the incoming gradient put in place of the output.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UnsupportedGradientError } from '../errors';
import { attrsOf, one, runKernel } from './util';

type Pair = number | [number, number];
const isOne = (v: Pair | undefined) => v == null || (Array.isArray(v) ? v.every((d) => d === 1) : v === 1);

/**
 * Conv2D's backprop kernels take no dilations at all. The depthwise ones take
 * them, but tfjs-backend-cpu 4.22 ignores them (DepthwiseConv2dNativeBackprop*
 * loop over filterHeight, not the dilated extent) and returns wrong numbers, so
 * dilated gradients are refused on every backend rather than wrong on one.
 */
function rejectDilations(kernel: string, dilations: Pair | undefined): void {
  if (!isOne(dilations)) {
    throw new UnsupportedGradientError(kernel, `with dilations ${String(dilations)}: only dilation 1 is supported`);
  }
}

interface ConvGeometry {
  strides: Pair;
  pad: tf.Conv2DAttrs['pad'];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

const conv = (x: tf.Tensor, w: tf.Tensor, a: ConvGeometry) =>
  tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, a.strides, a.pad as 'same', a.dataFormat, 1, a.dimRoundingMode);
const convInput = (dy: tf.Tensor, w: tf.Tensor, inputShape: number[], a: ConvGeometry) =>
  runKernel(tf.Conv2DBackpropInput, { dy, filter: w }, { ...pickGeometry(a), inputShape });
const convFilter = (x: tf.Tensor, dy: tf.Tensor, filterShape: number[], a: ConvGeometry) =>
  runKernel(tf.Conv2DBackpropFilter, { x, dy }, { ...pickGeometry(a), filterShape });
const pickGeometry = ({ strides, pad, dataFormat, dimRoundingMode }: ConvGeometry) => ({ strides, pad, dataFormat, dimRoundingMode });

interface DepthwiseGeometry {
  strides: Pair;
  pad: tf.DepthwiseConv2dNativeAttrs['pad'];
  dilations: Pair;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

// Callers such as tfjs-layers pass `dilations: null` (a default parameter does not
// replace null), and the backprop kernels read it as a tuple: normalise to 1.
const pickDepthwise = ({ strides, pad, dilations, dimRoundingMode }: DepthwiseGeometry) => ({
  strides,
  pad,
  dilations: dilations ?? 1,
  dimRoundingMode,
});
const depthwise = (x: tf.Tensor, w: tf.Tensor, a: DepthwiseGeometry) =>
  tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, a.strides, a.pad as 'same', 'NHWC', a.dilations ?? 1, a.dimRoundingMode);
const depthwiseInput = (dy: tf.Tensor, w: tf.Tensor, inputShape: number[], a: DepthwiseGeometry) =>
  runKernel(tf.DepthwiseConv2dNativeBackpropInput, { dy, filter: w }, { ...pickDepthwise(a), inputShape });
const depthwiseFilter = (x: tf.Tensor, dy: tf.Tensor, filterShape: number[], a: DepthwiseGeometry) =>
  runKernel(tf.DepthwiseConv2dNativeBackpropFilter, { x, dy }, { ...pickDepthwise(a), filterShape });

function rejectChannelsFirst(kernel: string, attrs: tf.NamedAttrMap): void {
  if (attrs.dataFormat === 'NCHW') {
    throw new UnsupportedGradientError(kernel, 'with dataFormat NCHW: only NHWC is supported');
  }
}

export const convolutionGradients: tf.GradConfig[] = [
  {
    kernelName: tf.Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      const a = attrsOf<tf.Conv2DAttrs>(attrs);
      rejectDilations(tf.Conv2D, a.dilations);
      return { x: () => convInput(one(dy), filter, x.shape, a), filter: () => convFilter(x, one(dy), filter.shape, a) };
    },
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    inputsToSave: ['dy', 'filter'],
    gradFunc: (g, [dy, filter], attrs) => {
      const a = attrsOf<tf.Conv2DBackpropInputAttrs>(attrs);
      return { dy: () => conv(one(g), filter, a), filter: () => convFilter(one(g), dy, filter.shape, a) };
    },
  },
  {
    kernelName: tf.Conv2DBackpropFilter,
    inputsToSave: ['x', 'dy'],
    gradFunc: (g, [x, dy], attrs) => {
      const a = attrsOf<tf.Conv2DBackpropFilterAttrs>(attrs);
      return { x: () => convInput(dy, one(g), x.shape, a), dy: () => conv(x, one(g), a) };
    },
  },
  {
    kernelName: tf.DepthwiseConv2dNative,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      rejectChannelsFirst(tf.DepthwiseConv2dNative, attrs);
      const a = attrsOf<tf.DepthwiseConv2dNativeAttrs>(attrs);
      rejectDilations(tf.DepthwiseConv2dNative, a.dilations);
      return { x: () => depthwiseInput(one(dy), filter, x.shape, a), filter: () => depthwiseFilter(x, one(dy), filter.shape, a) };
    },
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    inputsToSave: ['dy', 'filter'],
    gradFunc: (g, [dy, filter], attrs) => {
      const a = attrsOf<tf.DepthwiseConv2dNativeBackpropInputAttrs>(attrs);
      return { dy: () => depthwise(one(g), filter, a), filter: () => depthwiseFilter(one(g), dy, filter.shape, a) };
    },
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    inputsToSave: ['x', 'dy'],
    gradFunc: (g, [x, dy], attrs) => {
      const a = attrsOf<tf.DepthwiseConv2dNativeBackpropFilterAttrs>(attrs);
      return { x: () => depthwiseInput(dy, one(g), x.shape, a), dy: () => depthwise(x, one(g), a) };
    },
  },
];
