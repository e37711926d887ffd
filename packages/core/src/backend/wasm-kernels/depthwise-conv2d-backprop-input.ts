/**
 * DepthwiseConv2dNativeBackpropInput on wasm: the input gradient of
 * depthwiseConv2d, needed to backpropagate through a depthwise layer into
 * everything before it (any MobileNet layer below the last depthwise one).
 * dx[b, ih, iw, c] = sum over taps and m of dy[b, oh, ow, c * M + m] * w[kh, kw, c, m].
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseGeometry, forEachTap } from './depthwise-geometry';
import { input, output, read, wasmKernel } from './wasm-io';

export const depthwiseConv2dBackpropInputKernel = wasmKernel<tf.DepthwiseConv2dNativeBackpropInputAttrs>(
  tf.DepthwiseConv2dNativeBackpropInput,
  ({ inputs, backend, attrs }) => {
    const dy = input(inputs, 'dy');
    const filter = input(inputs, 'filter');
    const g = depthwiseGeometry(attrs.inputShape, filter.shape, attrs);
    const dys = read(backend, dy);
    const ws = read(backend, filter);
    const dx = new Float32Array(tf.util.sizeFromShape(attrs.inputShape));
    const m = g.multiplier;
    forEachTap(g, (xBase, dyBase, wBase) => {
      for (let c = 0; c < g.inC; c++) {
        let sum = 0;
        for (let k = 0; k < m; k++) sum += dys[dyBase + c * m + k] * ws[wBase + c * m + k];
        dx[xBase + c] += sum;
      }
    });
    return output(backend, attrs.inputShape, 'float32', dx);
  },
);
