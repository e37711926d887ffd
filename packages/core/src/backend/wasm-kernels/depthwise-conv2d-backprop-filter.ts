/**
 * DepthwiseConv2dNativeBackpropFilter on wasm: the weight gradient of
 * depthwiseConv2d (MobileNet blocks, depthwise adapters).
 * dW[kh, kw, c, m] = sum over b, oh, ow of x[b, ih, iw, c] * dy[b, oh, ow, c * M + m].
 * A JS loop: a depthwise filter touches few values per output, so the cost is
 * small next to the 1x1 convolutions around it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { depthwiseGeometry, forEachTap } from './depthwise-geometry';
import { input, output, read, wasmKernel } from './wasm-io';

export const depthwiseConv2dBackpropFilterKernel = wasmKernel<tf.DepthwiseConv2dNativeBackpropFilterAttrs>(
  tf.DepthwiseConv2dNativeBackpropFilter,
  ({ inputs, backend, attrs }) => {
    const x = input(inputs, 'x');
    const dy = input(inputs, 'dy');
    const g = depthwiseGeometry(x.shape, attrs.filterShape, attrs);
    const xs = read(backend, x);
    const dys = read(backend, dy);
    const dw = new Float32Array(tf.util.sizeFromShape(attrs.filterShape));
    const m = g.multiplier;
    forEachTap(g, (xBase, dyBase, wBase) => {
      for (let c = 0; c < g.inC; c++) {
        const xv = xs[xBase + c];
        for (let k = 0; k < m; k++) dw[wBase + c * m + k] += xv * dys[dyBase + c * m + k];
      }
    });
    return output(backend, attrs.filterShape, 'float32', dw);
  },
);
