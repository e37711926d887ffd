/** Gradients of pooling and resizing, through the backward kernels every backend ships. */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf, one, runKernel, zeroGradient } from './util';

/**
 * Average pooling divides each window by the number of input pixels inside it
 * (padding excluded), but AvgPoolGrad in tfjs-backend-cpu and -wasm 4.22 always
 * divides by filterHeight * filterWidth, so with 'same' padding its border
 * gradients are wrong (e.g. 0.44 instead of 0.69 at a 3x3 corner). This returns
 * count / (fh * fw) per output pixel, shaped [1, outH, outW, 1], or null when
 * every window is full and the kernel is already right.
 */
function windowFill(xShape: number[], attrs: tf.AvgPoolAttrs): tf.Tensor | null {
  const info = tf.backend_util.computePool2DInfo(xShape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const inside = (out: number, stride: number, before: number, size: number, length: number) => {
    const start = out * stride - before;
    return Math.min(length, start + size) - Math.max(0, start);
  };
  const fill = new Float32Array(info.outHeight * info.outWidth);
  let partial = false;
  for (let oh = 0; oh < info.outHeight; oh++) {
    const rows = inside(oh, info.strideHeight, info.padInfo.top, info.filterHeight, info.inHeight);
    for (let ow = 0; ow < info.outWidth; ow++) {
      const cols = inside(ow, info.strideWidth, info.padInfo.left, info.filterWidth, info.inWidth);
      fill[oh * info.outWidth + ow] = (rows * cols) / (info.filterHeight * info.filterWidth);
      partial ||= rows * cols !== info.filterHeight * info.filterWidth;
    }
  }
  return partial ? tf.tensor4d(fill, [1, info.outHeight, info.outWidth, 1]) : null;
}

export const poolingGradients: tf.GradConfig[] = [
  {
    kernelName: tf.MaxPool,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({ x: () => runKernel(tf.MaxPoolGrad, { dy: one(dy), input: x, output: y }, attrs) }),
  },
  {
    kernelName: tf.AvgPool,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const fill = windowFill(x.shape, attrsOf<tf.AvgPoolAttrs>(attrs));
        return runKernel(tf.AvgPoolGrad, { dy: fill == null ? one(dy) : tf.div(one(dy), fill), input: x }, attrs);
      },
    }),
  },
  {
    // AvgPoolGrad applies the transpose of a window sum / (fh * fw), so its own
    // gradient is that window sum / (fh * fw): the average pool times the fill.
    kernelName: tf.AvgPoolGrad,
    inputsToSave: ['input'],
    gradFunc: (g, [input], attrs) => {
      const a = attrsOf<tf.AvgPoolAttrs>(attrs);
      return {
        dy: () => {
          const pooled = tf.avgPool(one(g) as tf.Tensor4D, a.filterSize, a.strides, a.pad as 'same', a.dimRoundingMode);
          const fill = windowFill(input.shape, a);
          return fill == null ? pooled : tf.mul(pooled, fill);
        },
        input: () => zeroGradient(input),
      };
    },
  },
  {
    kernelName: tf.ResizeBilinear,
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => ({ images: () => runKernel(tf.ResizeBilinearGrad, { images, dy: one(dy) }, attrs) }),
  },
  {
    kernelName: tf.ResizeNearestNeighbor,
    inputsToSave: ['images'],
    gradFunc: (dy, [images], attrs) => ({ images: () => runKernel(tf.ResizeNearestNeighborGrad, { images, dy: one(dy) }, attrs) }),
  },
];
