/**
 * GPT-2 in plain JS from Hugging Face-named weights (no `transformer.` prefix),
 * following the Python implementation: the reference the module tree and the
 * checkpoint importer are tested against.
 */
import { add, addRow, attention, columns, geluTanh, layerNorm, map, matmul, transpose, type Matrix } from './math';

export interface ReferenceGPT2Config {
  numLayers: number;
  numHeads: number;
  eps: number;
}

export type Weights = (name: string) => number[] | Matrix;

/**
 * Hidden states after ln_f for one sequence of ids. `keep[j]` false masks key j
 * (padding); positions are 0.. as the model's default.
 */
export function gpt2Hidden(w: Weights, config: ReferenceGPT2Config, ids: number[], keep?: boolean[]): Matrix {
  const vec = (name: string) => w(name) as number[];
  const mat = (name: string) => w(name) as Matrix;
  const wte = mat('wte.weight');
  const wpe = mat('wpe.weight');
  let h: Matrix = ids.map((id, i) => wte[id].map((v, j) => v + wpe[i][j]));
  const width = h[0].length;
  for (let l = 0; l < config.numLayers; l++) {
    const p = `h.${l}.`;
    const a = layerNorm(h, vec(`${p}ln_1.weight`), vec(`${p}ln_1.bias`), config.eps);
    const qkv = addRow(matmul(a, mat(`${p}attn.c_attn.weight`)), vec(`${p}attn.c_attn.bias`));
    const attended = attention(columns(qkv, 0, width), columns(qkv, width, 2 * width), columns(qkv, 2 * width, 3 * width), config.numHeads, (i, j) => j <= i && (keep?.[j] ?? true));
    h = add(h, addRow(matmul(attended, mat(`${p}attn.c_proj.weight`)), vec(`${p}attn.c_proj.bias`)));
    const m = layerNorm(h, vec(`${p}ln_2.weight`), vec(`${p}ln_2.bias`), config.eps);
    const inner = map(addRow(matmul(m, mat(`${p}mlp.c_fc.weight`)), vec(`${p}mlp.c_fc.bias`)), geluTanh);
    h = add(h, addRow(matmul(inner, mat(`${p}mlp.c_proj.weight`)), vec(`${p}mlp.c_proj.bias`)));
  }
  return layerNorm(h, vec('ln_f.weight'), vec('ln_f.bias'), config.eps);
}

/** Language-model logits [len, vocab]: hidden states times the tied embedding. */
export function gpt2Logits(w: Weights, config: ReferenceGPT2Config, ids: number[], keep?: boolean[]): Matrix {
  return matmul(gpt2Hidden(w, config, ids, keep), transpose(w('wte.weight') as Matrix));
}
