/**
 * Gradients of kernels that move values without changing them: the gradient
 * moves back the same way (reshape back, inverse permutation, split what was
 * concatenated, sum what was tiled, crop what was padded).
 */
import * as tf from '@tensorflow/tfjs-core';
import { attrsOf, many, one } from './util';

/** The slice of `t` from `begin` with `size` elements along `axis`, the other axes whole. */
function sliceAxis(t: tf.Tensor, axis: number, begin: number, size: number): tf.Tensor {
  return tf.slice(
    t,
    t.shape.map((_, i) => (i === axis ? begin : 0)),
    t.shape.map((d, i) => (i === axis ? size : d)),
  );
}

/** Pads `t` along `axis` only. */
function padAxis(t: tf.Tensor, axis: number, before: number, after: number): tf.Tensor {
  return tf.pad(t, t.shape.map((_, i): [number, number] => (i === axis ? [before, after] : [0, 0])));
}

/** Adjoint of mirror padding: fold each padded edge back onto the values it copied. */
function unmirror(dy: tf.Tensor, xShape: readonly number[], paddings: Array<[number, number]>, mode: 'reflect' | 'symmetric'): tf.Tensor {
  const offset = mode === 'reflect' ? 1 : 0; // reflect does not repeat the edge value
  let g = dy;
  xShape.forEach((n, axis) => {
    const [before, after] = paddings[axis];
    if (before === 0 && after === 0) return;
    let folded = sliceAxis(g, axis, before, n);
    if (before > 0) {
      const left = tf.reverse(sliceAxis(g, axis, 0, before), axis);
      folded = tf.add(folded, padAxis(left, axis, offset, n - offset - before));
    }
    if (after > 0) {
      const right = tf.reverse(sliceAxis(g, axis, before + n, after), axis);
      folded = tf.add(folded, padAxis(right, axis, n - offset - after, offset));
    }
    g = folded;
  });
  return g;
}

export const shapeGradients: tf.GradConfig[] = [
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.clone(one(dy)) }) },
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => tf.cast(one(dy), 'float32') }) },
  { kernelName: tf.Reshape, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(one(dy), x.shape) }) },
  { kernelName: tf.ExpandDims, inputsToSave: ['input'], gradFunc: (dy, [input]) => ({ input: () => tf.reshape(one(dy), input.shape) }) },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => {
      const { perm } = attrsOf<tf.TransposeAttrs>(attrs);
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return { x: () => tf.transpose(one(dy), inverse) };
    },
  },
  {
    kernelName: tf.Reverse,
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.reverse(one(dy), attrsOf<tf.ReverseAttrs>(attrs).dims) }),
  },
  {
    // Array inputs are named '0', '1', ... on the tape.
    kernelName: tf.Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrsOf<tf.ConcatAttrs>(attrs).axis, saved[0].shape)[0];
      // One slice per input (not one split per input: each thunk runs in its own tidy).
      const offsets = saved.map((_, i) => saved.slice(0, i).reduce((sum, t) => sum + t.shape[axis], 0));
      return Object.fromEntries(saved.map((t, i) => [String(i), () => sliceAxis(one(dy), axis, offsets[i], t.shape[axis])]));
    },
  },
  {
    // Input i is dy's slice i along the stacking axis.
    kernelName: tf.Pack,
    gradFunc: (dy, _saved, attrs) => {
      const g = one(dy);
      const axis = tf.util.parseAxisParam(attrsOf<tf.PackAttrs>(attrs).axis, g.shape)[0];
      const inputShape = g.shape.filter((_, i) => i !== axis);
      const indices = Array.from({ length: g.shape[axis] }, (_, i) => i);
      return Object.fromEntries(indices.map((i) => [String(i), () => tf.reshape(sliceAxis(g, axis, i, 1), inputShape)]));
    },
  },
  {
    kernelName: tf.Unpack,
    gradFunc: (dy, _saved, attrs) => ({ value: () => tf.stack(many(dy), attrsOf<tf.UnpackAttrs>(attrs).axis) }),
  },
  {
    kernelName: tf.SplitV,
    gradFunc: (dy, _saved, attrs) => {
      const dys = many(dy);
      const axis = tf.util.parseAxisParam(attrsOf<tf.SplitVAttrs>(attrs).axis, dys[0].shape)[0];
      return { x: () => tf.concat(dys, axis) };
    },
  },
  {
    kernelName: tf.Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { begin, size } = attrsOf<tf.SliceAttrs>(attrs);
      const [begins, sizes] = tf.slice_util.parseSliceParams(x, begin, size);
      return { x: () => tf.pad(one(dy), x.shape.map((d, i): [number, number] => [begins[i], d - begins[i] - sizes[i]])) };
    },
  },
  {
    kernelName: tf.PadV2,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { paddings } = attrsOf<tf.PadV2Attrs>(attrs);
      return { x: () => tf.slice(one(dy), paddings.map((p) => p[0]), x.shape) };
    },
  },
  {
    kernelName: tf.MirrorPad,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { paddings, mode } = attrsOf<tf.MirrorPadAttrs>(attrs);
      return { x: () => unmirror(one(dy), x.shape, paddings, mode) };
    },
  },
  {
    // Tile lays copies out as [r0 copies of x0, r1 copies of x1, ...]: view dy
    // as [r0, x0, r1, x1, ...] and sum over the copy axes.
    kernelName: tf.Tile,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { reps } = attrsOf<tf.TileAttrs>(attrs);
      return {
        x: () => {
          const interleaved = x.shape.flatMap((d, i) => [reps[i], d]);
          const copyAxes = x.shape.map((_, i) => 2 * i);
          return tf.reshape(tf.sum(tf.reshape(one(dy), interleaved), copyAxes), x.shape);
        },
      };
    },
  },
  {
    kernelName: tf.SpaceToBatchND,
    gradFunc: (dy, _saved, attrs) => {
      const { blockShape, paddings } = attrsOf<tf.SpaceToBatchNDAttrs>(attrs);
      return { x: () => tf.batchToSpaceND(one(dy), blockShape, paddings) };
    },
  },
  {
    kernelName: tf.BatchToSpaceND,
    gradFunc: (dy, _saved, attrs) => {
      const { blockShape, crops } = attrsOf<tf.BatchToSpaceNDAttrs>(attrs);
      return { x: () => tf.spaceToBatchND(one(dy), blockShape, crops) };
    },
  },
];
