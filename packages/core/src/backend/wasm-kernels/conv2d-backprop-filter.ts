/**
 * Conv2DBackpropFilter on wasm: the weight gradient of conv2d, without which no
 * convolution weight (CNN, MobileNet, conv adapters) trains on wasm.
 *
 * dW[kh, kw, :, :] = patches(kh, kw)^T · dy, where patches(kh, kw) is x (padded)
 * read at the positions that filter tap (kh, kw) touches, as an [N, inC] matrix
 * with N = batch * outH * outW. Each tap is one StridedSlice and one BatchMatMul
 * of wasm's own (XNNPACK) kernels, so this runs at matmul speed rather than a JS
 * loop's, and holds only one tap's patches at a time.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callWasmKernel, callWasmKernelOnList, dispose, input, wasmKernel } from './wasm-io';

const TO_NHWC = [0, 2, 3, 1];

export const conv2dBackpropFilterKernel = wasmKernel<tf.Conv2DBackpropFilterAttrs>(tf.Conv2DBackpropFilter, ({ inputs, backend, attrs }) => {
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const channelsFirst = dataFormat === 'NCHW';
  const owned: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo) => (owned.push(t), t);
  const x = channelsFirst ? keep(callWasmKernel(backend, tf.Transpose, { x: input(inputs, 'x') }, { perm: TO_NHWC })) : input(inputs, 'x');
  const dy = channelsFirst ? keep(callWasmKernel(backend, tf.Transpose, { x: input(inputs, 'dy') }, { perm: TO_NHWC })) : input(inputs, 'dy');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  try {
    const padded = keep(padForTaps(backend, x, info));
    const n = info.batchSize * info.outHeight * info.outWidth;
    const dyRows = keep(callWasmKernel(backend, tf.Reshape, { x: dy }, { shape: [1, n, info.outChannels] }));
    const taps: tf.TensorInfo[] = [];
    for (let kh = 0; kh < info.filterHeight; kh++) {
      for (let kw = 0; kw < info.filterWidth; kw++) {
        const patches = callWasmKernel(backend, tf.StridedSlice, { x: padded }, tapSlice(info, kh, kw));
        const rows = callWasmKernel(backend, tf.Reshape, { x: patches }, { shape: [1, n, info.inChannels] });
        taps.push(keep(callWasmKernel(backend, tf.BatchMatMul, { a: rows, b: dyRows }, { transposeA: true, transposeB: false })));
        dispose(backend, patches, rows);
      }
    }
    const stacked = taps.length === 1 ? taps[0] : keep(callWasmKernelOnList(backend, tf.Concat, taps, { axis: 1 }));
    return callWasmKernel(backend, tf.Reshape, { x: stacked }, { shape: filterShape });
  } finally {
    dispose(backend, ...owned);
  }
});

/** x padded so that every tap's strided window lies inside it (extra zeros at the end are never read). */
function padForTaps(backend: BackendWasm, x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, (info.outHeight - 1) * info.strideHeight + info.filterHeight - top - info.inHeight);
  const right = Math.max(0, (info.outWidth - 1) * info.strideWidth + info.filterWidth - left - info.inWidth);
  const paddings = [[0, 0], [top, bottom], [left, right], [0, 0]];
  return callWasmKernel(backend, tf.PadV2, { x }, { paddings, constantValue: 0 });
}

/** StridedSlice attrs reading tap (kh, kw) at every output position: [batch, outH, outW, inC]. */
function tapSlice(info: tf.backend_util.Conv2DInfo, kh: number, kw: number): object {
  const endH = kh + (info.outHeight - 1) * info.strideHeight + 1;
  const endW = kw + (info.outWidth - 1) * info.strideWidth + 1;
  return {
    begin: [0, kh, kw, 0],
    end: [info.batchSize, endH, endW, info.inChannels],
    strides: [1, info.strideHeight, info.strideWidth, 1],
    beginMask: 0,
    endMask: 0,
    ellipsisMask: 0,
    newAxisMask: 0,
    shrinkAxisMask: 0,
  };
}
