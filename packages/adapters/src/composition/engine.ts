/**
 * Runs a composition inside one adapter layer. A method supplies two
 * primitives (apply one adapter to some rows; fuse several outputs) and gets
 * every block from this one function:
 *
 * - Stack: the children in order, each on the previous one's output;
 * - Average: the weighted sum of the children's outputs;
 * - BatchSplit: rows sliced by the given sizes, each slice through its child;
 * - Parallel: the same with equal slices, since the batch was replicated once
 *   per branch at the model's input;
 * - Fuse: the children's outputs handed to the layer's fusion primitive.
 *
 * An adapter a layer does not run (not placed there, or already merged) is the
 * identity at that layer, and a block none of whose adapters runs here is skipped.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@peftjs/core';
import { adapterNamesOf, type Composition, type FuseBlock } from './blocks';

/** Maps a tensor over the layer's whole batch to the rows the current branch works on. */
export type RowSelector = (whole: tf.Tensor) => tf.Tensor;

export interface LayerComposer {
  /** Whether this layer runs adapter `name`. */
  runs(name: string): boolean;
  /** Adapter `name` on the rows `h` (`rows` selects the same rows of other whole-batch tensors). */
  apply(name: string, h: tf.Tensor, rows: RowSelector): tf.Tensor;
  /** AdapterFusion of the children's `outputs`, with `h` (the rows before them) as the query. */
  fuse(block: FuseBlock, h: tf.Tensor, outputs: readonly tf.Tensor[], rows: RowSelector): tf.Tensor;
}

const allRows: RowSelector = (whole) => whole;

export function runComposition(composition: Composition, h: tf.Tensor, composer: LayerComposer, rows: RowSelector = allRows): tf.Tensor {
  if (typeof composition === 'string') return composer.runs(composition) ? composer.apply(composition, h, rows) : h;
  if (!adapterNamesOf(composition).some((name) => composer.runs(name))) return h;
  const run = (child: Composition, input: tf.Tensor, selector: RowSelector) => runComposition(child, input, composer, selector);
  switch (composition.type) {
    case 'Stack':
      return composition.children.reduce((state, child) => run(child, state, rows), h);
    case 'Average':
      return tf.addN(composition.children.map((child, i) => tf.mul(run(child, h, rows), composition.weights[i])));
    case 'Fuse':
      return composer.fuse(composition, h, composition.children.map((child) => run(child, h, rows)), rows);
    case 'BatchSplit': {
      const total = composition.batchSizes.reduce((a, b) => a + b, 0);
      if (total !== h.shape[0]) {
        throw new ShapeMismatchError(`BatchSplit batch sizes [${composition.batchSizes.join(', ')}]: rows`, [total, ...h.shape.slice(1)], h.shape);
      }
      return splitRows(composition.children, composition.batchSizes, h, rows, run);
    }
    case 'Parallel': {
      const branches = composition.children.length;
      const batch = h.shape[0] / branches;
      if (!Number.isInteger(batch)) {
        throw new ShapeMismatchError(`Parallel with ${branches} branches: rows (the batch replicated ${branches} times)`, [null, ...h.shape.slice(1)], h.shape);
      }
      return splitRows(composition.children, composition.children.map(() => batch), h, rows, run);
    }
  }
}

function splitRows(
  children: readonly Composition[],
  sizes: readonly number[],
  h: tf.Tensor,
  rows: RowSelector,
  run: (child: Composition, input: tf.Tensor, selector: RowSelector) => tf.Tensor,
): tf.Tensor {
  let offset = 0;
  const parts = children.map((child, i) => {
    const begin = offset;
    const size = sizes[i];
    offset += size;
    const slice = (whole: tf.Tensor) => sliceRows(whole, begin, size);
    return run(child, slice(h), (whole) => slice(rows(whole)));
  });
  return tf.concat(parts, 0);
}

function sliceRows(t: tf.Tensor, begin: number, size: number): tf.Tensor {
  return tf.slice(t, [begin, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)]);
}
