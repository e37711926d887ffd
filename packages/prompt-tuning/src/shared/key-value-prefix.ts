/**
 * The forward transform of prefix tuning: the encoder's output, one row of
 * [numLayers * 2 * heads * headDim] per virtual token, becomes every layer's
 * past keys and values (peft's `get_prompt`: view [n, 2L, heads, headDim],
 * then layer i takes slices 2i (key) and 2i + 1 (value)). `heads` are the
 * key/value heads: fewer than the query heads under grouped-query attention. The input keeps its
 * length; the mask gains the n prefix positions, and positions start after
 * them, as the model's default positions do after a past of length n.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForwardTransform } from '@peftjs/core';
import type { PromptLearningEncoder } from './encoder';
import { checkContext, maskWithVirtualTokens, positionsWithVirtualTokens, readInput, tidyOutput, type KeyValue } from './inputs';
import { keyValueLayout, type TransformerDims } from './model';

/** Keys and values per layer, each [batch, heads, n, headDim], from the flat prefix [n, numLayers * 2 * heads * headDim]. */
export function prefixKeyValues(flat: tf.Tensor, dims: TransformerDims, batch: number): KeyValue[] {
  const { numLayers, heads, headDim } = keyValueLayout(dims);
  const count = flat.shape[0];
  // [n, 2L, heads, headDim] -> [2L, heads, n, headDim]: one slab per key or value of each layer.
  const slabs = tf.transpose(tf.reshape(flat, [count, 2 * numLayers, heads, headDim]), [1, 2, 0, 3]);
  const slab = (index: number) =>
    tf.tile(tf.slice(slabs, [index, 0, 0, 0], [1, heads, count, headDim]), [batch, 1, 1, 1]);
  return Array.from({ length: numLayers }, (_, layer) => ({ key: slab(2 * layer), value: slab(2 * layer + 1) }));
}

export function keyValuePrefixTransform(method: string, encoder: PromptLearningEncoder, dims: TransformerDims): ForwardTransform {
  const count = encoder.rows;
  return (raw, next) => {
    const { input, shape } = readInput(raw, method);
    checkContext(method, shape, count, dims.maxPositions);
    const continuing = shape.pastLength > 0;
    return tidyOutput(() =>
      next({
        ...input,
        // A cache from a prefixed call starts with the prefix already.
        pastKeyValues: continuing ? input.pastKeyValues : prefixKeyValues(encoder.call(), dims, shape.batch),
        attentionMask: maskWithVirtualTokens(input.attentionMask, shape.batch, count),
        positionIds: positionsWithVirtualTokens(input.positionIds, count, false),
      }),
    );
  };
}
