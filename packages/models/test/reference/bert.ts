/** BERT in plain JS from Hugging Face-named weights (no `bert.` prefix), following the Python implementation. */
import { add, addRow, attention, geluErf, layerNorm, map, matmul, transpose, type Matrix } from './math';
import type { Weights } from './gpt2';

export interface ReferenceBertConfig {
  numLayers: number;
  numHeads: number;
  eps: number;
}

/** x Wᵀ + b with W [out, in] as PyTorch's Linear stores it. */
export function linear(w: Weights, name: string, x: Matrix): Matrix {
  return addRow(matmul(x, transpose(w(`${name}.weight`) as Matrix)), w(`${name}.bias`) as number[]);
}

/** Per layer, keys and values [prefixLength, hidden] (heads side by side) attended before the tokens. */
export type ReferencePrefix = Array<{ key: Matrix; value: Matrix }>;

/**
 * Last hidden state and pooled output of one sequence; `keep[j]` false masks key j
 * (prefix keys first). With a prefix, positions start after it, as in Hugging Face,
 * unless `positionIds` gives them (RoBERTa's).
 */
export function bertForward(
  w: Weights,
  config: ReferenceBertConfig,
  ids: number[],
  types: number[] = ids.map(() => 0),
  keep?: boolean[],
  prefix?: ReferencePrefix,
  positionIds?: number[],
): { hidden: Matrix; readonly pooled: number[] } {
  const offset = prefix?.[0].key.length ?? 0;
  const vec = (name: string) => w(name) as number[];
  const words = w('embeddings.word_embeddings.weight') as Matrix;
  const positions = w('embeddings.position_embeddings.weight') as Matrix;
  const typeTable = w('embeddings.token_type_embeddings.weight') as Matrix;
  let h = layerNorm(
    ids.map((id, i) => words[id].map((v, j) => v + positions[positionIds?.[i] ?? i + offset][j] + typeTable[types[i]][j])),
    vec('embeddings.LayerNorm.weight'),
    vec('embeddings.LayerNorm.bias'),
    config.eps,
  );
  for (let l = 0; l < config.numLayers; l++) {
    const p = `encoder.layer.${l}.`;
    const keys = [...(prefix?.[l].key ?? []), ...linear(w, `${p}attention.self.key`, h)];
    const values = [...(prefix?.[l].value ?? []), ...linear(w, `${p}attention.self.value`, h)];
    const context = attention(linear(w, `${p}attention.self.query`, h), keys, values, config.numHeads, (_, j) => keep?.[j] ?? true);
    const attended = layerNorm(add(linear(w, `${p}attention.output.dense`, context), h), vec(`${p}attention.output.LayerNorm.weight`), vec(`${p}attention.output.LayerNorm.bias`), config.eps);
    const inner = map(linear(w, `${p}intermediate.dense`, attended), geluErf);
    h = layerNorm(add(linear(w, `${p}output.dense`, inner), attended), vec(`${p}output.LayerNorm.weight`), vec(`${p}output.LayerNorm.bias`), config.eps);
  }
  return {
    hidden: h,
    // On demand: RoBERTa's classifier has no pooler.
    get pooled() {
      return linear(w, 'pooler.dense', [h[0]])[0].map(Math.tanh);
    },
  };
}

/** Classifier logits of BertForSequenceClassification (dropout off). */
export function bertClassify(w: Weights, head: Weights, config: ReferenceBertConfig, ids: number[], types?: number[], keep?: boolean[]): number[] {
  return linear(head, 'classifier', [bertForward(w, config, ids, types, keep).pooled])[0];
}
