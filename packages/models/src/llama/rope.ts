/**
 * Rotary position embeddings as transformers computes them for the Llama
 * family: per-pair inverse frequencies (modeling_rope_utils, one function per
 * `rope_scaling` kind), cos and sin of position x frequency (each frequency
 * twice, [f, f]), and the rotate-half convention: the pairs are (i, i + d/2),
 * not adjacent dimensions as in the RoFormer paper.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { RopeScaling } from './rope-config';

export interface RopeFrequencies {
  /** d/2 inverse frequencies, for pairs (i, i + d/2). */
  readonly inverseFrequencies: Float64Array;
  /** Multiplies cos and sin (YaRN's attention temperature; 1 otherwise). */
  readonly attentionFactor: number;
}

/** theta^(-2i/d) for i < d/2: the unscaled frequencies. */
function defaultFrequencies(dim: number, theta: number): Float64Array {
  return Float64Array.from({ length: dim / 2 }, (_, i) => 1 / theta ** ((2 * i) / dim));
}

/** Llama 3's rule: long wavelengths divided by the factor, short ones kept, a smooth ramp between. */
function llama3Frequencies(base: Float64Array, scaling: Extract<RopeScaling, { kind: 'llama3' }>): Float64Array {
  const { factor, lowFreqFactor, highFreqFactor, originalMaxPositions } = scaling;
  const lowFreqWavelength = originalMaxPositions / lowFreqFactor;
  const highFreqWavelength = originalMaxPositions / highFreqFactor;
  return base.map((frequency) => {
    const wavelength = (2 * Math.PI) / frequency;
    if (wavelength < highFreqWavelength) return frequency;
    if (wavelength > lowFreqWavelength) return frequency / factor;
    const smooth = (originalMaxPositions / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
    return (1 - smooth) * (frequency / factor) + smooth * frequency;
  });
}

/** YaRN: interpolated (divided by the factor) below a correction range of dimensions, extrapolated above, ramped within. */
function yarnFrequencies(dim: number, theta: number, scaling: Extract<RopeScaling, { kind: 'yarn' }>): Float64Array {
  const { factor, originalMaxPositions, betaFast, betaSlow, truncate } = scaling;
  const correctionDim = (rotations: number) => (dim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = correctionDim(betaFast);
  let high = correctionDim(betaSlow);
  if (truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // transformers' guard against a zero-width ramp
  return defaultFrequencies(dim, theta).map((extrapolated, i) => {
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    const extrapolationWeight = 1 - ramp;
    return (extrapolated / factor) * (1 - extrapolationWeight) + extrapolated * extrapolationWeight;
  });
}

/**
 * The frequencies and attention factor of `scaling` for heads of width `dim`.
 * Dynamic NTK changes the frequencies only past max_position_embeddings, which
 * peftjs' models do not accept as input, so within the context it is the default.
 */
export function ropeFrequencies(dim: number, theta: number, scaling: RopeScaling): RopeFrequencies {
  const base = defaultFrequencies(dim, theta);
  switch (scaling.kind) {
    case 'default':
    case 'dynamic':
      return { inverseFrequencies: base, attentionFactor: 1 };
    case 'linear':
      return { inverseFrequencies: base.map((f) => f / scaling.factor), attentionFactor: 1 };
    case 'llama3':
      return { inverseFrequencies: llama3Frequencies(base, scaling), attentionFactor: 1 };
    case 'yarn':
      return { inverseFrequencies: yarnFrequencies(dim, theta, scaling), attentionFactor: scaling.attentionFactor };
  }
}

export interface RotaryTables {
  /** [batch or 1, 1, seq, dim], broadcast over heads. */
  readonly cos: tf.Tensor;
  readonly sin: tf.Tensor;
}

/** cos and sin of every position id [batch or 1, seq] times every frequency, each frequency used for both halves. */
export function rotaryTables(positionIds: tf.Tensor, frequencies: RopeFrequencies): RotaryTables {
  return tf.tidy(() => {
    const [rows, seq] = positionIds.shape;
    const half = frequencies.inverseFrequencies.length;
    const angles = tf.mul(tf.reshape(tf.cast(positionIds, 'float32'), [rows, seq, 1]), tf.tensor3d(Float32Array.from(frequencies.inverseFrequencies), [1, 1, half]));
    const doubled = tf.reshape(tf.concat([angles, angles], -1), [rows, 1, seq, 2 * half]);
    const scale = frequencies.attentionFactor;
    return { cos: tf.mul(tf.cos(doubled), scale), sin: tf.mul(tf.sin(doubled), scale) };
  });
}

/** x [b, h, s, d] rotated: x * cos + rotate_half(x) * sin, rotate_half(x) = [-x2, x1]. */
export function applyRotary(x: tf.Tensor, { cos, sin }: RotaryTables): tf.Tensor {
  const half = (x.shape[3] as number) / 2;
  const [first, second] = tf.split(x, [half, half], -1);
  const rotated = tf.concat([tf.neg(second), first], -1);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}
