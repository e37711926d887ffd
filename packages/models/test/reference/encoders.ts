/**
 * RoBERTa and DistilBERT in plain JS from Hugging Face-named weights, each
 * written out from its Python implementation (modeling_roberta.py,
 * modeling_distilbert.py) rather than from peftjs' layouts, so that a wrong
 * name or a wrong position in peftjs cannot be mirrored here.
 */
import { bertForward, linear, type ReferenceBertConfig } from './bert';
import type { Weights } from './gpt2';
import { add, attention, geluErf, layerNorm, map, type Matrix } from './math';

/** create_position_ids_from_input_ids: (cumsum(mask) + past) * mask + padding_idx, mask = ids != padding_idx. */
export function robertaPositionIds(ids: number[], paddingIdx: number, pastLength = 0): number[] {
  const mask = ids.map((id): number => (id !== paddingIdx ? 1 : 0));
  const cumsum = mask.map((_, i) => mask.slice(0, i + 1).reduce((a, b) => a + b, 0));
  return cumsum.map((c, i) => (c + pastLength) * mask[i] + paddingIdx);
}

/** RobertaForSequenceClassification's logits for one sequence (dropout off). */
export function robertaClassify(w: Weights, head: Weights, config: ReferenceBertConfig & { padTokenId: number }, ids: number[], keep?: boolean[]): number[] {
  const { hidden } = bertForward(w, config, ids, undefined, keep, undefined, robertaPositionIds(ids, config.padTokenId));
  // RobertaClassificationHead: features[:, 0] -> dense -> tanh -> out_proj.
  const x = linear(head, 'classifier.dense', [hidden[0]])[0].map(Math.tanh);
  return linear(head, 'classifier.out_proj', [x])[0];
}

/** DistilBertModel's last hidden state for one sequence (no token types, LayerNorm eps 1e-12). */
export function distilbertForward(w: Weights, config: { numLayers: number; numHeads: number }, ids: number[], keep?: boolean[]): Matrix {
  const eps = 1e-12;
  const vec = (name: string) => w(name) as number[];
  const words = w('embeddings.word_embeddings.weight') as Matrix;
  const positions = w('embeddings.position_embeddings.weight') as Matrix;
  let x = layerNorm(ids.map((id, i) => words[id].map((v, j) => v + positions[i][j])), vec('embeddings.LayerNorm.weight'), vec('embeddings.LayerNorm.bias'), eps);
  for (let l = 0; l < config.numLayers; l++) {
    const p = `transformer.layer.${l}.`;
    // MultiHeadSelfAttention: q_lin, k_lin, v_lin, softmax(q kᵀ / sqrt(d)) v, out_lin.
    const context = attention(linear(w, `${p}attention.q_lin`, x), linear(w, `${p}attention.k_lin`, x), linear(w, `${p}attention.v_lin`, x), config.numHeads, (_, j) => keep?.[j] ?? true);
    const sa = layerNorm(add(linear(w, `${p}attention.out_lin`, context), x), vec(`${p}sa_layer_norm.weight`), vec(`${p}sa_layer_norm.bias`), eps);
    // FFN: lin2(gelu(lin1(x))).
    const ffn = linear(w, `${p}ffn.lin2`, map(linear(w, `${p}ffn.lin1`, sa), geluErf));
    x = layerNorm(add(ffn, sa), vec(`${p}output_layer_norm.weight`), vec(`${p}output_layer_norm.bias`), eps);
  }
  return x;
}

/** DistilBertForSequenceClassification's logits for one sequence (dropout off). */
export function distilbertClassify(w: Weights, head: Weights, config: { numLayers: number; numHeads: number }, ids: number[], keep?: boolean[]): number[] {
  const first = distilbertForward(w, config, ids, keep)[0];
  const pooled = linear(head, 'pre_classifier', [first])[0].map((v) => Math.max(0, v));
  return linear(head, 'classifier', [pooled])[0];
}
