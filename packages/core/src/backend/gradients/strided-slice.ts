/**
 * Gradient of StridedSlice, which tfjs itself does not define. The slice picks,
 * on each axis, `begin, begin + stride, ...`; the gradient puts dy back at those
 * positions and zeros elsewhere. It is built from pad/reshape/slice/reverse so
 * that it is itself differentiable.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf, one } from './util';

/** Places `g` (n entries on `axis`) at begin, begin + stride, ... of an axis of length `length`; stride > 0. */
function scatterStrided(g: tf.Tensor, axis: number, begin: number, stride: number, length: number): tf.Tensor {
  const n = g.shape[axis];
  const pad = (t: tf.Tensor, before: number, after: number) =>
    tf.pad(t, t.shape.map((_, i): [number, number] => (i === axis ? [before, after] : [0, 0])));
  let spread = g;
  if (stride > 1 && n > 1) {
    // Interleave stride - 1 zeros after each entry, then drop the trailing ones.
    const withGapAxis = tf.reshape(g, [...g.shape.slice(0, axis + 1), 1, ...g.shape.slice(axis + 1)]);
    const gapped = tf.pad(withGapAxis, withGapAxis.shape.map((_, i): [number, number] => (i === axis + 1 ? [0, stride - 1] : [0, 0])));
    const flat = tf.reshape(gapped, g.shape.map((d, i) => (i === axis ? d * stride : d)));
    spread = tf.slice(flat, flat.shape.map(() => 0), flat.shape.map((d, i) => (i === axis ? (n - 1) * stride + 1 : d)));
  }
  return pad(spread, begin, length - begin - spread.shape[axis]);
}

export const stridedSliceGradient: tf.GradConfig = {
  kernelName: tf.StridedSlice,
  inputsToSave: ['x'],
  gradFunc: (dy, [x], attrs) => {
    const a = attrsOf<tf.StridedSliceAttrs>(attrs);
    // sliceInfo resolves masks, ellipsis and negative indices into one begin/end/stride per axis of x.
    const info = tf.slice_util.sliceInfo(x.shape, a.begin, a.end, a.strides, a.beginMask, a.endMask, a.ellipsisMask, a.newAxisMask, a.shrinkAxisMask);
    const counts = x.shape.map((_, i) => Math.max(0, Math.ceil((info.end[i] - info.begin[i]) / info.strides[i])));
    return {
      x: () => {
        if (counts.some((n) => n === 0)) return tf.zeros(x.shape);
        // dy without new axes and with shrunk axes restored has one entry per picked index.
        let g = tf.reshape(one(dy), counts);
        x.shape.forEach((length, axis) => {
          const stride = info.strides[axis];
          if (stride > 0) {
            g = scatterStrided(g, axis, info.begin[axis], stride, length);
          } else {
            // Walking backwards: reverse, then it starts at the lowest picked index.
            const lowest = info.begin[axis] + (counts[axis] - 1) * stride;
            g = scatterStrided(tf.reverse(g, axis), axis, lowest, -stride, length);
          }
        });
        return g;
      },
    };
  },
};
