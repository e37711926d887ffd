/**
 * MaxPoolGrad on wasm, replacing the one tfjs-backend-wasm 4.22 ships, which is
 * wrong: its C++ (src/cc/kernels/MaxPoolGrad.cc) starts each window's running
 * max at std::numeric_limits<float>::min(), the smallest *positive* float, so in
 * a window whose values are all <= 0 nothing beats it and the gradient goes to
 * offset 0 instead of the window's max. After a relu, every all-zero window
 * does that, so CNN gradients on wasm were silently wrong.
 *
 * Routes dy to the first maximum of each window (as the cpu backend does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, output, read, wasmKernel } from './wasm-io';

export const maxPoolGradKernel = wasmKernel<tf.MaxPoolGradAttrs>(tf.MaxPoolGrad, ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'input');
  const dy = input(inputs, 'dy');
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const xs = read(backend, x);
  const dys = read(backend, dy);
  const dx = new Float32Array(xs.length);
  const { inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  for (let b = 0; b < info.batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = oh * info.strideHeight - info.padInfo.top;
      const hStart = Math.max(0, h0);
      const hEnd = Math.min(inHeight, h0 + info.effectiveFilterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = ow * info.strideWidth - info.padInfo.left;
        const wStart = Math.max(0, w0);
        const wEnd = Math.min(inWidth, w0 + info.effectiveFilterWidth);
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let c = 0; c < channels; c++) {
          let best = -Infinity;
          let at = -1;
          for (let h = hStart; h < hEnd; h += info.dilationHeight) {
            for (let w = wStart; w < wEnd; w += info.dilationWidth) {
              const offset = ((b * inHeight + h) * inWidth + w) * channels + c;
              if (xs[offset] > best || at < 0) {
                best = xs[offset];
                at = offset;
              }
            }
          }
          if (at >= 0) dx[at] += dys[dyBase + c];
        }
      }
    }
  }
  return output(backend, x.shape, 'float32', dx);
});
