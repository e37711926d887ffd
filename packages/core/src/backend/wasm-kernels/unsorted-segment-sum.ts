/**
 * UnsortedSegmentSum on wasm: out[segmentIds[i], ...] += x[i, ...].
 * Needed because it is the gradient of gather: without it no embedding table
 * (token embeddings, prompt tuning, prefix tuning) can train on wasm.
 * One pass over x in JS; ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
import * as tf from '@tensorflow/tfjs-core';
import { input, output, read, wasmKernel } from './wasm-io';

export const unsortedSegmentSumKernel = wasmKernel<tf.UnsortedSegmentSumAttrs>(tf.UnsortedSegmentSum, ({ inputs, backend, attrs }) => {
  const x = input(inputs, 'x');
  const segmentIds = input(inputs, 'segmentIds');
  const { numSegments } = attrs;
  const rowShape = x.shape.slice(segmentIds.shape.length);
  const rowSize = tf.util.sizeFromShape(rowShape);
  const values = read(backend, x);
  const ids = read(backend, segmentIds);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i];
    if (segment < 0 || segment >= numSegments) continue;
    const from = i * rowSize;
    const to = segment * rowSize;
    for (let j = 0; j < rowSize; j++) out[to + j] += values[from + j];
  }
  return output(backend, [numSegments, ...rowShape], x.dtype, out);
});
