import * as tf from '@tensorflow/tfjs-core';
import { expectClose, onBackend } from '../../test/helpers';
import { ModelConfigError } from '../errors';
import { readRopeScaling } from './rope-config';
import { applyRotary, ropeFrequencies, rotaryTables } from './rope';

beforeAll(() => onBackend('cpu'));

const theta = (base: number, dim: number, i: number) => base ** ((-2 * i) / dim);

describe('rotary embeddings', () => {
  test('each pair (i, i + d/2) is rotated by position x theta^(-2i/d): the closed form', () => {
    const x = [0.5, -1, 2, 0.25, 1.5, -0.75];
    const frequencies = ropeFrequencies(6, 100, { kind: 'default' });
    const positions = tf.tensor2d([[0, 3]], [1, 2], 'int32');
    const tables = rotaryTables(positions, frequencies);
    const rotated = tf.tidy(() => applyRotary(tf.tensor4d([...x, ...x], [1, 1, 2, 6]), tables).arraySync() as number[][][][]);
    for (const [t, position] of [[0, 0], [1, 3]]) {
      const expected = new Array<number>(6);
      for (let i = 0; i < 3; i++) {
        const angle = position * theta(100, 6, i);
        expected[i] = x[i] * Math.cos(angle) - x[i + 3] * Math.sin(angle);
        expected[i + 3] = x[i] * Math.sin(angle) + x[i + 3] * Math.cos(angle);
      }
      expectClose(rotated[0][0][t], expected, 1e-6);
    }
    tf.dispose([positions, tables.cos, tables.sin]);
  });

  test('linear divides every frequency by the factor', () => {
    const { inverseFrequencies, attentionFactor } = ropeFrequencies(8, 10000, readRopeScaling({ rope_type: 'linear', factor: 4 }, 2048));
    expectClose(Array.from(inverseFrequencies), [0, 1, 2, 3].map((i) => theta(10000, 8, i) / 4), 1e-12);
    expect(attentionFactor).toBe(1);
  });

  test("llama3 (Llama 3.1's rope_scaling): short wavelengths kept, long ones divided by 8, the band between smoothed", () => {
    const scaling = readRopeScaling({ rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 }, 131072);
    const { inverseFrequencies } = ropeFrequencies(128, 500000, scaling);
    const base = (i: number) => theta(500000, 128, i);
    const wavelength = (i: number) => (2 * Math.PI) / base(i);
    // Short (< 8192 / 4), medium, long (> 8192 / 1): one index of each, found from the wavelengths.
    const short = 0;
    const medium = Array.from({ length: 64 }, (_, i) => i).find((i) => wavelength(i) > 2048 && wavelength(i) < 8192)!;
    const long = 63;
    expect(wavelength(long)).toBeGreaterThan(8192);
    expect(inverseFrequencies[short]).toBeCloseTo(base(short), 12);
    expect(inverseFrequencies[long]).toBeCloseTo(base(long) / 8, 15);
    const smooth = (8192 / wavelength(medium) - 1) / (4 - 1);
    expect(inverseFrequencies[medium]).toBeCloseTo((1 - smooth) * (base(medium) / 8) + smooth * base(medium), 12);
  });

  test("yarn (Qwen2.5's long-context setting): attention factor 0.1 ln(4) + 1, low dimensions extrapolated, high ones interpolated", () => {
    const scaling = readRopeScaling({ type: 'yarn', factor: 4, original_max_position_embeddings: 32768 }, 32768);
    const { inverseFrequencies, attentionFactor } = ropeFrequencies(128, 1000000, scaling);
    expect(attentionFactor).toBeCloseTo(0.1 * Math.log(4) + 1, 12);
    // The correction range by hand: dims where a frequency turns 32 and 1 times over 32768 positions.
    const correction = (rotations: number) => (128 * Math.log(32768 / (rotations * 2 * Math.PI))) / (2 * Math.log(1000000));
    const low = Math.floor(correction(32));
    const high = Math.ceil(correction(1));
    expect([low, high]).toEqual([Math.max(0, low), Math.min(127, high)]);
    const base = (i: number) => theta(1000000, 128, i);
    expect(inverseFrequencies[low - 1]).toBeCloseTo(base(low - 1), 14);
    expect(inverseFrequencies[high + 1]).toBeCloseTo(base(high + 1) / 4, 16);
    const mid = Math.round((low + high) / 2);
    const ramp = (mid - low) / (high - low);
    expect(inverseFrequencies[mid]).toBeCloseTo((base(mid) / 4) * ramp + base(mid) * (1 - ramp), 14);
    // mscale and mscale_all_dim (DeepSeek style) set the factor as their ratio.
    const deep = readRopeScaling({ rope_type: 'yarn', factor: 40, mscale: 1, mscale_all_dim: 0.5, original_max_position_embeddings: 4096 }, 163840);
    expect(ropeFrequencies(64, 10000, deep).attentionFactor).toBeCloseTo((0.1 * Math.log(40) + 1) / (0.05 * Math.log(40) + 1), 12);
  });

  test('rope_scaling values are checked', () => {
    expect(() => readRopeScaling({ rope_type: 'linear', factor: 0.5 }, 10)).toThrow(ModelConfigError);
    expect(() => readRopeScaling({ rope_type: 'llama3', factor: 8, low_freq_factor: 4, high_freq_factor: 1, original_max_position_embeddings: 8192 }, 10)).toThrow(/high_freq_factor/);
    expect(() => readRopeScaling([1, 2], 10)).toThrow(/an object or null/);
    expect(readRopeScaling(null, 10)).toEqual({ kind: 'default' });
  });
});
