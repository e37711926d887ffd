import { SafetensorsFormatError, type SafetensorsFormatReason } from '../errors';
import { readSafetensorsHeader, MAX_RANK } from './header';
import { buildSafetensorsFile } from './test-helpers';

function expectReason(bytes: Uint8Array, reason: SafetensorsFormatReason): SafetensorsFormatError {
  let caught: unknown;
  try {
    readSafetensorsHeader(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SafetensorsFormatError);
  expect((caught as SafetensorsFormatError).reason).toBe(reason);
  expect((caught as SafetensorsFormatError).code).toBe('SAFETENSORS_FORMAT');
  return caught as SafetensorsFormatError;
}

const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

describe('readSafetensorsHeader accepts', () => {
  it('a header padded with trailing spaces, metadata, and tensors in any key order', () => {
    const header = `{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"__metadata__":{"format":"pt"},"a":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}}   `;
    const parsed = readSafetensorsHeader(buildSafetensorsFile(header, 12));
    expect(parsed.metadata).toEqual({ format: 'pt' });
    expect(parsed.tensors.map((t) => t.name)).toEqual(['a', 'b']); // file order, by offset
    expect(parsed.tensors[1]).toEqual({ name: 'b', dtype: 'F32', shape: [2], dataOffsets: [4, 12] });
    expect(parsed.dataStart).toBe(8 + header.length);
  });

  it('an empty file `{}`, scalars, zero-size tensors and unknown extra fields', () => {
    expect(readSafetensorsHeader(buildSafetensorsFile('{}')).tensors).toEqual([]);
    const header = {
      empty: entry('F32', [0, 5], [0, 0]),
      scalar: { ...entry('F64', [], [0, 8]), extra: 'ignored' },
    };
    expect(readSafetensorsHeader(buildSafetensorsFile(header, 8)).tensors.map((t) => t.name)).toEqual(['empty', 'scalar']);
  });

  it('only the beginning of a file when told the whole length', () => {
    const file = buildSafetensorsFile({ a: entry('F32', [1000], [0, 4000]) }, 4000);
    const dataStart = file.length - 4000;
    expect(readSafetensorsHeader(file.subarray(0, dataStart), { fileByteLength: file.length }).tensors).toHaveLength(1);
  });
});

describe('readSafetensorsHeader refuses', () => {
  it('a file shorter than 8 bytes', () => {
    expectReason(new Uint8Array(0), 'FILE_TOO_SHORT');
    expectReason(new Uint8Array(7), 'FILE_TOO_SHORT');
  });

  it('a header length beyond the file or over 100 MB (without allocating it)', () => {
    expectReason(buildSafetensorsFile('{}', 0, { declaredHeaderLength: 9n }), 'HEADER_OUT_OF_RANGE');
    expectReason(buildSafetensorsFile('{}', 0, { declaredHeaderLength: 100_000_001n }), 'HEADER_TOO_LARGE');
    expectReason(buildSafetensorsFile('{}', 0, { declaredHeaderLength: 2n ** 64n - 1n }), 'HEADER_TOO_LARGE');
    expectReason(buildSafetensorsFile('{}', 0, { declaredHeaderLength: 2n ** 32n }), 'HEADER_TOO_LARGE');
  });

  it('a header that is not UTF-8, not JSON, or not an object', () => {
    const bad = buildSafetensorsFile('{"a":1}');
    bad[10] = 0xff;
    expectReason(bad, 'HEADER_NOT_UTF8');
    expectReason(buildSafetensorsFile('{"a":'), 'HEADER_NOT_JSON');
    expectReason(buildSafetensorsFile('\uFEFF{}'), 'HEADER_NOT_JSON'); // a BOM is not JSON
    expectReason(buildSafetensorsFile('{}\0\0'), 'HEADER_NOT_JSON'); // padding must be spaces
    for (const notObject of ['[]', 'null', '3', '"x"']) expectReason(buildSafetensorsFile(notObject), 'HEADER_NOT_OBJECT');
  });

  it('duplicate names, even when escaped differently, and duplicate fields', () => {
    const a = '{"dtype":"U8","shape":[1],"data_offsets":[0,1]}';
    expect(expectReason(buildSafetensorsFile(`{"a":${a},"a":${a}}`, 1), 'DUPLICATE_KEY').message).toContain('"a"');
    expectReason(buildSafetensorsFile(`{"a":${a},"\\u0061":${a}}`, 1), 'DUPLICATE_KEY');
    expectReason(buildSafetensorsFile('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"dtype":"U8"}}', 1), 'DUPLICATE_KEY');
    expectReason(buildSafetensorsFile('{"__metadata__":{"k":"1","k":"2"}}'), 'DUPLICATE_KEY');
  });

  it('metadata that is not an object of strings', () => {
    expectReason(buildSafetensorsFile({ __metadata__: [] }), 'INVALID_METADATA');
    expectReason(buildSafetensorsFile({ __metadata__: { n: 1 } }), 'INVALID_METADATA');
  });

  it('entries that are not objects or miss a field', () => {
    expectReason(buildSafetensorsFile({ a: [] }), 'INVALID_ENTRY');
    expectReason(buildSafetensorsFile({ a: 'F32' }), 'INVALID_ENTRY');
    expectReason(buildSafetensorsFile({ a: { shape: [0], data_offsets: [0, 0] } }), 'INVALID_ENTRY');
    expectReason(buildSafetensorsFile({ a: { dtype: 'F32', data_offsets: [0, 0] } }), 'INVALID_ENTRY');
    const error = expectReason(buildSafetensorsFile({ a: { dtype: 'F32', shape: [0] } }), 'INVALID_ENTRY');
    expect(error.tensorName).toBe('a');
  });

  it('unknown or mistyped dtypes', () => {
    for (const dtype of ['F8_E4M3', 'C64', 'f32', '', 7, null]) {
      expectReason(buildSafetensorsFile({ a: entry(dtype, [0], [0, 0]) }), 'UNKNOWN_DTYPE');
    }
  });

  it('negative, fractional, huge, non-numeric or too long shapes', () => {
    const bad = [[-1], [1.5], ['2'], [null], 'x', {}, [2 ** 53], [1e300], [2 ** 30, 2 ** 30, 2 ** 30], new Array(MAX_RANK + 1).fill(1)];
    for (const shape of bad) expectReason(buildSafetensorsFile({ a: entry('U8', shape, [0, 1]) }, 1), 'INVALID_SHAPE');
  });

  it('malformed offsets', () => {
    for (const offsets of [[0], [0, 1, 2], [-1, 0], [1, 0], [0.5, 1], ['0', '1'], null, {}, [0, 2 ** 60]]) {
      expectReason(buildSafetensorsFile({ a: entry('U8', [1], offsets) }, 1), 'INVALID_OFFSETS');
    }
  });

  it('byte counts that do not match shape x dtype size', () => {
    expectReason(buildSafetensorsFile({ a: entry('F32', [2], [0, 4]) }, 4), 'BYTE_COUNT_MISMATCH');
    expectReason(buildSafetensorsFile({ a: entry('F16', [3], [0, 8]) }, 8), 'BYTE_COUNT_MISMATCH');
  });

  it('offsets past the data, overlapping, or leaving gaps, and data not covered', () => {
    expectReason(buildSafetensorsFile({ a: entry('U8', [4], [0, 4]) }, 3), 'OFFSETS_OUT_OF_RANGE');
    expectReason(buildSafetensorsFile({ a: entry('U8', [4], [0, 4]), b: entry('U8', [4], [2, 6]) }, 6), 'OFFSETS_OVERLAP');
    expectReason(buildSafetensorsFile({ a: entry('U8', [4], [0, 4]), b: entry('U8', [4], [0, 4]) }, 4), 'OFFSETS_OVERLAP');
    expectReason(buildSafetensorsFile({ a: entry('U8', [2], [0, 2]), b: entry('U8', [2], [3, 5]) }, 5), 'OFFSETS_GAP');
    expectReason(buildSafetensorsFile({ a: entry('U8', [2], [1, 3]) }, 3), 'OFFSETS_GAP');
    expectReason(buildSafetensorsFile({ a: entry('U8', [2], [0, 2]) }, 3), 'DATA_NOT_COVERED');
    expectReason(buildSafetensorsFile('{}', 1), 'DATA_NOT_COVERED');
  });

  it('keeps hostile names out of messages', () => {
    const name = 'x'.repeat(100_000);
    const error = expectReason(buildSafetensorsFile({ [name]: entry('BAD', [0], [0, 0]) }), 'UNKNOWN_DTYPE');
    expect(error.message.length).toBeLessThan(1000);
  });
});
