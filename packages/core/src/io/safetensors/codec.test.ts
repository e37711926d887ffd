import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors';
import { SafetensorsFormatError } from '../errors';
import { decodeSafetensors } from './decode';
import { decodeSafetensorsRaw } from './decode-raw';
import { encodeSafetensors } from './encode';
import { readSafetensorsHeader } from './header';
import { buildSafetensorsFile, headerText } from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Decode, hand the tensors to `check`, dispose them: tests must not leak. */
function withDecoded(bytes: Uint8Array, check: (tensors: Record<string, tf.Tensor>) => void): void {
  const { tensors } = decodeSafetensors(bytes);
  try {
    check(tensors);
  } finally {
    Object.values(tensors).forEach((t) => t.dispose());
  }
}

describe('encodeSafetensors writes what Python safetensors writes', () => {
  // Byte vectors from the Rust crate's own tests (safetensors/src/tensor.rs).
  it('matches test_serialization byte for byte', () => {
    const t = tf.tensor([0, 1, 2, 3, 4, 5], [1, 2, 3]);
    const out = encodeSafetensors({ 'attn.0': t });
    t.dispose();
    const expected = [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44,
      34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34,
      58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ];
    expect(Array.from(out)).toEqual(expected);
  });

  it('matches test_empty, with and without metadata', () => {
    expect(Array.from(encodeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    const withMetadata = encodeSafetensors({}, { metadata: { framework: 'pt' } });
    expect(withMetadata.length).toBe(48);
    expect(headerText(withMetadata)).toBe('{"__metadata__":{"framework":"pt"}}     ');
  });

  it('pads the header with spaces to a multiple of 8 (test_serialization_forced_alignement)', () => {
    const t = tf.tensor([0, 1, 2, 3, 4, 5], [1, 1, 2, 3]);
    const out = encodeSafetensors({ attn0: t });
    t.dispose();
    expect(headerText(out)).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');
    expect(out.length).toBe(8 + 72 + 24);
  });

  it('orders tensors by dtype width then name (code point order), so each starts aligned', () => {
    const tensors = {
      b: tf.tensor([1, 2, 3]),
      a: tf.tensor([1, 2, 3]),
      flag: tf.tensor([true, false], [2], 'bool'),
      half: tf.tensor([1.5]),
      wide: tf.tensor([7], [1], 'int32'),
      '\u{1F600}': tf.tensor([1]),
      '\uFFFD': tf.tensor([1]),
    };
    const out = encodeSafetensors(tensors, { metadata: { z: '1', a: '2' }, dtypes: { half: 'F16', wide: 'I64' } });
    Object.values(tensors).forEach((t) => t.dispose());
    const header = readSafetensorsHeader(out);
    expect(header.tensors.map((t) => t.name)).toEqual(['wide', 'a', 'b', '\uFFFD', '\u{1F600}', 'half', 'flag']);
    for (const t of header.tensors) {
      expect((header.dataStart + t.dataOffsets[0]) % (t.dtype === 'I64' ? 8 : t.dtype === 'F32' ? 4 : 1)).toBe(0);
    }
    expect(headerText(out).startsWith('{"__metadata__":{"a":"2","z":"1"},"wide":')).toBe(true);
  });
});

describe('round trips', () => {
  it('float32, int32 and bool tensors, including scalars and empty ones', () => {
    const tensors = {
      w: tf.tensor([[1.5, -2], [3.25, 1e-30]]),
      idx: tf.tensor([-5, 0, 2147483647], [3], 'int32'),
      mask: tf.tensor([true, false, true], [3], 'bool'),
      scalar: tf.scalar(3),
      empty: tf.zeros([0, 4]),
    };
    const bytes = encodeSafetensors(tensors, { metadata: { format: 'pt' } });
    const before = tf.memory().numTensors;
    const decoded = decodeSafetensors(bytes);
    expect(decoded.metadata).toEqual({ format: 'pt' });
    for (const [name, original] of Object.entries(tensors)) {
      const t = decoded.tensors[name];
      expect(t.dtype).toBe(original.dtype);
      expect(t.shape).toEqual(original.shape);
      expect(t.arraySync()).toEqual(original.arraySync());
    }
    Object.values(decoded.tensors).forEach((t) => t.dispose());
    expect(tf.memory().numTensors).toBe(before);
    Object.values(tensors).forEach((t) => t.dispose());
  });

  it('F16, BF16 and F64 decode to float32, rounded to nearest even on the way in', () => {
    const values = [1, -2.5, 65504, 1e-8, 3.14159, 70000, 0.1];
    const t = tf.tensor(values);
    const bytes = encodeSafetensors({ h: t, b: t, d: t }, { dtypes: { h: 'F16', b: 'BF16', d: 'F64' } });
    t.dispose();
    const raw = decodeSafetensorsRaw(bytes).tensors;
    expect(raw.h.dtype).toBe('F16');
    expect(Array.from(raw.h.data as Uint16Array).map((x) => x.toString(16))).toEqual(['3c00', 'c100', '7bff', '0', '4248', '7c00', '2e66']);
    expect(Array.from(raw.b.data as Uint16Array).map((x) => x.toString(16))).toEqual(['3f80', 'c020', '4780', '322c', '4049', '4789', '3dcd']);
    withDecoded(bytes, (d) => {
      expect(d.h.dtype).toBe('float32');
      expect(Array.from(d.h.dataSync())).toEqual([1, -2.5, 65504, 0, 3.140625, Infinity, 0.0999755859375]);
      expect(Array.from(d.b.dataSync())).toEqual([1, -2.5, 65536, 1.0011717677116394e-8, 3.140625, 70144, 0.10009765625]);
      expect(Array.from(d.d.dataSync())).toEqual(Array.from(new Float32Array(values)));
    });
  });

  it('narrow integer dtypes decode to int32 exactly', () => {
    const t = tf.tensor([-128, 0, 127], [3], 'int32');
    const u = tf.tensor([0, 255, 65535], [3], 'int32');
    const bytes = encodeSafetensors({ i8: t, i16: t, u8: tf.abs(t), u16: u }, { dtypes: { i8: 'I8', i16: 'I16', u8: 'U8', u16: 'U16' } });
    withDecoded(bytes, (d) => {
      expect(Array.from(d.i8.dataSync())).toEqual([-128, 0, 127]);
      expect(Array.from(d.i16.dataSync())).toEqual([-128, 0, 127]);
      expect(Array.from(d.u8.dataSync())).toEqual([128, 0, 127]);
      expect(Array.from(d.u16.dataSync())).toEqual([0, 255, 65535]);
      expect(d.u8.dtype).toBe('int32');
    });
    tf.dispose([t, u]);
  });

  it('raw tensors (int64, uint32) are written and read back exactly', () => {
    const big = { dtype: 'I64' as const, shape: [3], data: new BigInt64Array([-(2n ** 40n), 0n, 2n ** 62n]) };
    const bytes = encodeSafetensors({ big, u: { dtype: 'U32', shape: [1], data: new Uint32Array([4e9]) } });
    const raw = decodeSafetensorsRaw(bytes);
    expect(raw.tensors.big).toEqual(big);
    expect(Array.from(raw.tensors.u.data as Uint32Array)).toEqual([4e9]);
    expect(encodeSafetensors(raw.tensors)).toEqual(bytes);
  });
});

describe('int64 and other wide integers', () => {
  it('decode to int32 when every value fits', () => {
    const bytes = encodeSafetensors({ ids: { dtype: 'I64', shape: [3], data: new BigInt64Array([-(2n ** 31n), 5n, 2n ** 31n - 1n]) } });
    withDecoded(bytes, (d) => {
      expect(d.ids.dtype).toBe('int32');
      expect(Array.from(d.ids.dataSync())).toEqual([-(2 ** 31), 5, 2 ** 31 - 1]);
    });
  });

  it('fail with INT_OUT_OF_RANGE, leaking no tensor, when one does not', () => {
    for (const [dtype, data] of [
      ['I64', new BigInt64Array([1n, 2n ** 31n])],
      ['I64', new BigInt64Array([-(2n ** 31n) - 1n])],
      ['U64', new BigUint64Array([2n ** 64n - 1n])],
      ['U32', new Uint32Array([2 ** 31])],
    ] as const) {
      const bytes = encodeSafetensors({ ok: { dtype: 'F32', shape: [1], data: new Float32Array([1]) }, bad: { dtype, shape: [data.length], data } as never });
      const before = tf.memory().numTensors;
      expect(() => decodeSafetensors(bytes)).toThrow(expect.objectContaining({ reason: 'INT_OUT_OF_RANGE', tensorName: 'bad' }));
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});

describe('decodeSafetensors', () => {
  it('accepts ArrayBuffer, Uint8Array at an offset, and Node Buffers', () => {
    const t = tf.tensor([1, 2]);
    const bytes = encodeSafetensors({ t });
    t.dispose();
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    for (const input of [bytes.slice().buffer, shifted.subarray(3), Buffer.from(bytes)]) {
      withDecoded(input as Uint8Array, (d) => expect(Array.from(d.t.dataSync())).toEqual([1, 2]));
    }
  });

  it('reads tensors at unaligned offsets (files from writers that do not pad)', () => {
    const data = new Uint8Array(9);
    new DataView(data.buffer).setFloat32(1, 2.5, true);
    new DataView(data.buffer).setFloat32(5, -1, true);
    const file = buildSafetensorsFile({ b: { dtype: 'U8', shape: [1], data_offsets: [0, 1] }, f: { dtype: 'F32', shape: [2], data_offsets: [1, 9] } }, data);
    withDecoded(file, (d) => expect(Array.from(d.f.dataSync())).toEqual([2.5, -1]));
  });

  it('decodes only the filtered tensors', () => {
    const [a, b] = [tf.tensor([1]), tf.tensor([2])];
    const { tensors } = decodeSafetensors(encodeSafetensors({ a, b }), { filter: (info) => info.name === 'b' });
    expect(Object.keys(tensors)).toEqual(['b']);
    tf.dispose([a, b, tensors.b]);
  });

  it('treats a tensor named __proto__ as a plain tensor', () => {
    const file = buildSafetensorsFile('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', new Uint8Array([9]));
    withDecoded(file, (d) => {
      expect(Object.keys(d)).toEqual(['__proto__']);
      expect(Array.from(Object.getOwnPropertyDescriptor(d, '__proto__')?.value.dataSync())).toEqual([9]);
    });
  });

  it('reads BOOL bytes other than 0 and 1 as true', () => {
    const file = buildSafetensorsFile({ m: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, new Uint8Array([0, 1, 7]));
    withDecoded(file, (d) => expect(Array.from(d.m.dataSync())).toEqual([0, 1, 1]));
  });
});

describe('encodeSafetensors refuses', () => {
  const t = tf.tensor([1.5, 300]);
  afterAll(() => t.dispose());

  it.each([
    ['values that are not integers in range', () => encodeSafetensors({ t }, { dtypes: { t: 'I32' } })],
    ['values out of an integer range', () => encodeSafetensors({ t: tf.tensor([300], [1], 'int32') }, { dtypes: { t: 'U8' } })],
    ['an unknown dtype', () => encodeSafetensors({ t }, { dtypes: { t: 'F8' as never } })],
    ['the reserved name __metadata__', () => encodeSafetensors({ __metadata__: t })],
    ['a name with a lone surrogate', () => encodeSafetensors({ ['\uD800']: t })],
    ['non-string metadata', () => encodeSafetensors({ t }, { metadata: { n: 1 as never } })],
    ['raw data of the wrong array type', () => encodeSafetensors({ r: { dtype: 'F32', shape: [1], data: new Float64Array(1) as never } })],
    ['raw data whose length disagrees with the shape', () => encodeSafetensors({ r: { dtype: 'F32', shape: [2], data: new Float32Array(1) } })],
    ['a dtype change for raw data', () => encodeSafetensors({ r: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, { dtypes: { r: 'F16' } })],
    ['string tensors', () => encodeSafetensors({ s: tf.tensor(['a']) })],
    ['more dimensions than readers accept', () => encodeSafetensors({ r: { dtype: 'U8', shape: new Array(65).fill(1), data: new Uint8Array(1) } })],
  ])('%s with InvalidArgumentError', (_, encode) => {
    expect(encode).toThrow(InvalidArgumentError);
  });

  it('a disposed tensor', () => {
    const gone = tf.tensor([1]);
    gone.dispose();
    expect(() => encodeSafetensors({ gone })).toThrow(InvalidArgumentError);
  });

  it('nothing else: a broken file is a SafetensorsFormatError, not a TypeError', () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(SafetensorsFormatError);
  });
});
