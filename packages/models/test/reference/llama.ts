/**
 * A Llama-family decoder in plain JavaScript doubles, written from
 * transformers' modeling_llama / modeling_gemma / modeling_qwen3 /
 * modeling_mistral, for one row at a time. It shares nothing with the model
 * but the weights (by Hugging Face name) and the maths.
 */
import { geluTanh, softmax, type Matrix } from './math';

export interface LlamaReferenceConfig {
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly eps: number;
  /** d/2 inverse frequencies and the factor on cos/sin. */
  readonly inverseFrequencies: readonly number[];
  readonly attentionFactor?: number;
  readonly activation: 'silu' | 'gelu_pytorch_tanh';
  /** Gemma: x * (1 + w) norms and sqrt(hidden) embedding scale. */
  readonly gemma?: boolean;
  readonly qkNorm?: boolean;
  readonly slidingWindow?: number;
  /** Name of the output head's weight (the embedding when tied). */
  readonly headWeight: string;
}

export type Weights = Readonly<Record<string, number[] | number[][]>>;

const silu = (v: number) => v / (1 + Math.exp(-v));

/** x W^T (+ b) for one vector; W is [out, in] as Linear stores it. */
function linear(x: readonly number[], weight: number[][], bias?: number[]): number[] {
  return weight.map((row, o) => row.reduce((sum, w, i) => sum + w * x[i], bias ? bias[o] : 0));
}

function rmsNorm(x: readonly number[], weight: number[], eps: number, gemma: boolean): number[] {
  const scale = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps);
  return x.map((v, i) => v * scale * (gemma ? 1 + weight[i] : weight[i]));
}

/** Rotates the pairs (i, i + d/2) of `x` by position * frequency_i (rotate_half), scaled by the attention factor. */
function rotate(x: readonly number[], position: number, frequencies: readonly number[], factor: number): number[] {
  const half = x.length / 2;
  const out = new Array<number>(x.length);
  for (let i = 0; i < half; i++) {
    const angle = position * frequencies[i];
    const [c, s] = [Math.cos(angle) * factor, Math.sin(angle) * factor];
    out[i] = x[i] * c - x[i + half] * s;
    out[i + half] = x[i + half] * c + x[i] * s;
  }
  return out;
}

const heads = (x: readonly number[], count: number, dim: number) => Array.from({ length: count }, (_, h) => x.slice(h * dim, (h + 1) * dim));

/**
 * Hidden states after the final norm for one row of token ids, with their
 * positions (for left padding) and which tokens may be attended to.
 */
export function llamaHidden(w: Weights, c: LlamaReferenceConfig, ids: readonly number[], positions: readonly number[], keep: readonly boolean[]): Matrix {
  const embedding = w['model.embed_tokens.weight'] as number[][];
  const hiddenSize = embedding[0].length;
  let x: Matrix = ids.map((id) => embedding[id].map((v) => (c.gemma ? v * Math.sqrt(hiddenSize) : v)));
  const groups = c.numHeads / c.numKeyValueHeads;
  const factor = c.attentionFactor ?? 1;
  const get = (name: string) => w[name] as never;
  for (let layer = 0; layer < c.numLayers; layer++) {
    const p = `model.layers.${layer}.`;
    const normed = x.map((row) => rmsNorm(row, get(`${p}input_layernorm.weight`), c.eps, !!c.gemma));
    const project = (name: string, count: number) =>
      normed.map((row, t) => {
        let hs = heads(linear(row, get(`${p}self_attn.${name}_proj.weight`), w[`${p}self_attn.${name}_proj.bias`] as number[] | undefined), count, c.headDim);
        if (c.qkNorm && name !== 'v') hs = hs.map((h) => rmsNorm(h, get(`${p}self_attn.${name}_norm.weight`), c.eps, false));
        return name === 'v' ? hs : hs.map((h) => rotate(h, positions[t], c.inverseFrequencies, factor));
      });
    const q = project('q', c.numHeads);
    const k = project('k', c.numKeyValueHeads);
    const v = project('v', c.numKeyValueHeads);
    const attended = q.map((qt, t) => {
      const out: number[] = [];
      for (let h = 0; h < c.numHeads; h++) {
        const kv = Math.floor(h / groups);
        const scores = k.map((ks, j) => {
          const visible = j <= t && keep[j] && (c.slidingWindow === undefined || j > t - c.slidingWindow);
          return visible ? qt[h].reduce((s, qv, d) => s + qv * ks[kv][d], 0) / Math.sqrt(c.headDim) : -Infinity;
        });
        const probabilities = scores.every((s) => s === -Infinity) ? scores.map(() => 1 / scores.length) : softmax(scores);
        for (let d = 0; d < c.headDim; d++) out.push(probabilities.reduce((s, pr, j) => s + pr * v[j][kv][d], 0));
      }
      return out;
    });
    x = x.map((row, t) => {
      const attention = linear(attended[t], get(`${p}self_attn.o_proj.weight`), w[`${p}self_attn.o_proj.bias`] as number[] | undefined);
      return row.map((value, i) => value + attention[i]);
    });
    x = x.map((row) => {
      const n = rmsNorm(row, get(`${p}post_attention_layernorm.weight`), c.eps, !!c.gemma);
      const act = c.activation === 'silu' ? silu : geluTanh;
      const gate = linear(n, get(`${p}mlp.gate_proj.weight`), w[`${p}mlp.gate_proj.bias`] as number[] | undefined);
      const up = linear(n, get(`${p}mlp.up_proj.weight`), w[`${p}mlp.up_proj.bias`] as number[] | undefined);
      const down = linear(gate.map((g, i) => act(g) * up[i]), get(`${p}mlp.down_proj.weight`), w[`${p}mlp.down_proj.bias`] as number[] | undefined);
      return row.map((value, i) => value + down[i]);
    });
  }
  return x.map((row) => rmsNorm(row, get('model.norm.weight'), c.eps, !!c.gemma));
}

export function llamaLogits(w: Weights, c: LlamaReferenceConfig, ids: readonly number[], positions: readonly number[], keep: readonly boolean[]): Matrix {
  return llamaHidden(w, c, ids, positions, keep).map((row) => linear(row, w[c.headWeight] as number[][]));
}
