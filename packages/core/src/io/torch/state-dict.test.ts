/**
 * The torch.save reader on files PyTorch wrote (test/fixtures/torch-save, made
 * by its make_fixtures.py with PyTorch 1.13): every tensor's dtype, shape and
 * bytes against what PyTorch itself read back, then each way a file is refused.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../../errors';
import { TorchFormatError, type TorchFormatReason } from './errors';
import { decodeTorchStateDict } from './state-dict';
import { decodeTorchStateDictTensors } from './state-dict-tensors';
import {
  EXPECTED,
  archiveOf,
  buildTorchZip,
  fixture,
  hexOf,
  pickleBytes,
  replaceInPickle,
  unicode,
  withPickle,
  zipEntries,
} from './test-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function refusal(read: () => unknown): TorchFormatError {
  try {
    read();
  } catch (error) {
    if (error instanceof TorchFormatError) return error;
    throw error;
  }
  throw new Error('test: expected a TorchFormatError, the file was read');
}

function expectRefused(bytes: Uint8Array, reason: TorchFormatReason, message?: RegExp): void {
  const error = refusal(() => decodeTorchStateDict(bytes));
  expect(error.reason).toBe(reason);
  if (message) expect(error.message).toMatch(message);
}

describe('files written by torch.save', () => {
  test.each(Object.keys(EXPECTED.files))('%s: every tensor, in order, with the exact bytes PyTorch reads', (file) => {
    const { tensors } = decodeTorchStateDict(fixture(file));
    const expected = EXPECTED.files[file];
    expect(Object.keys(tensors)).toEqual(Object.keys(expected));
    for (const [name, tensor] of Object.entries(tensors)) {
      expect({ name, dtype: tensor.dtype, shape: tensor.shape, hex: hexOf(tensor.data) }).toEqual({ name, ...expected[name] });
    }
  });

  test('the archive folder is named after the file, or `archive` for a buffer', () => {
    expect(decodeTorchStateDict(fixture('adapter_model.bin')).archiveName).toBe('adapter_model');
    expect(decodeTorchStateDict(fixture('buffer.bin')).archiveName).toBe('archive');
  });

  test('views are materialised row-major: a transpose, an expanded (stride 0) tensor, a slice at a storage offset, tied names', () => {
    const { tensors } = decodeTorchStateDict(fixture('dtypes.bin'));
    const values = (name: string) => Array.from(tensors[name].data as Float32Array);
    expect(values('transposed')).toEqual([0, 1, 2, 0.25, 1.25, 2.25, 0.5, 1.5, 2.5, 0.75, 1.75, 2.75]);
    expect(tensors.transposed.shape).toEqual([4, 3]);
    expect(values('expanded')).toEqual([7, -7, 7, -7, 7, -7]);
    expect(values('slice')).toEqual([3, 4, 5, 6]);
    expect(values('tied.a')).toEqual(values('tied.b'));
    expect(values('tied.flat')).toEqual(values('tied.a'));
    // Fresh arrays: the names share no memory with each other or with the file.
    expect(tensors['tied.a'].data.buffer).not.toBe(tensors['tied.b'].data.buffer);
    expect(tensors.scalar).toEqual({ dtype: 'F32', shape: [], data: new Float32Array([3.25]) });
    expect(tensors.empty.shape).toEqual([0, 3]);
  });

  test("a module's state_dict() (an OrderedDict with _metadata, pickled with BUILD) reads as its tensors", () => {
    const { tensors } = decodeTorchStateDict(fixture('module.bin'));
    expect(Object.keys(tensors)).toEqual(['weight', 'bias']);
    expect(Array.from(tensors.weight.data as Float32Array)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  test('the layout of PyTorch >= 2.1 (folder `archive`, a byteorder record, .data/ records) reads the same', () => {
    const entries = zipEntries(fixture('dtypes.bin')).map(([name, data]): [string, Uint8Array] => [name.replace(/^dtypes\//, 'archive/'), data]);
    const little = buildTorchZip([...entries, ['archive/byteorder', new TextEncoder().encode('little')], ['archive/.data/serialization_id', new TextEncoder().encode('1234')]]);
    const decoded = decodeTorchStateDict(little);
    expect(decoded.archiveName).toBe('archive');
    expect(hexOf(decoded.tensors.bf16.data)).toBe(EXPECTED.files['dtypes.bin'].bf16.hex);
    expectRefused(buildTorchZip([...entries, ['archive/byteorder', new TextEncoder().encode('big')]]), 'BYTE_ORDER', /"big"/);
  });

  test('filter decodes only the tensors asked for', () => {
    const { tensors } = decodeTorchStateDict(fixture('dtypes.bin'), { filter: ({ dtype, shape }) => dtype === 'F16' || shape.length === 0 });
    expect(Object.keys(tensors)).toEqual(['f16', 'scalar']);
  });

  test('as tfjs tensors: half and bfloat widen to float32 exactly; an int64 beyond int32 is refused unless filtered out', () => {
    const before = tf.memory().numTensors;
    expect(refusal(() => decodeTorchStateDictTensors(fixture('dtypes.bin'))).reason).toBe('INT_OUT_OF_RANGE');
    expect(tf.memory().numTensors).toBe(before);
    const { tensors } = decodeTorchStateDictTensors(fixture('dtypes.bin'), { filter: ({ name }) => name !== 'i64' });
    expect(Array.from(tensors.f16.dataSync())).toEqual([1.5, -2, 65504, 2 ** -24, -Infinity]);
    // bfloat16 keeps 8 significant bits: 3e38 and 1e-30 are stored as their nearest bfloat16 values.
    expect(Array.from(tensors.bf16.dataSync())).toEqual([1, -0.5, 2 ** 127 * (1 + 0xc4 / 256), 2 ** -100 * (1 + 0x44 / 256)]);
    expect(tensors.bool.dtype).toBe('bool');
    expect(Array.from(tensors.bool.dataSync())).toEqual([1, 0, 1]);
    expect(tensors.i32.dtype).toBe('int32');
    tf.dispose(Object.values(tensors));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('refused files', () => {
  const adapter = fixture('adapter_model.bin');

  test('not a zip, or the pre-1.6 pickle format', () => {
    expectRefused(new Uint8Array(0), 'NOT_A_ZIP');
    expectRefused(new TextEncoder().encode('{"not": "a zip"}'), 'NOT_A_ZIP');
    const pickle = zipEntries(adapter).find(([name]) => name.endsWith('data.pkl'))![1];
    expectRefused(pickle, 'LEGACY_FORMAT', /before PyTorch 1\.6/);
  });

  test('zip records that contradict each other or the file', () => {
    const entries = zipEntries(adapter);
    expectRefused(buildTorchZip([...entries, entries[1]]), 'ZIP_STRUCTURE', /appears twice/);
    const cut = adapter.subarray(0, adapter.length - 30);
    expectRefused(cut, 'NOT_A_ZIP');
    const shifted = adapter.slice();
    const view = new DataView(shifted.buffer);
    const end = shifted.length - 22;
    view.setUint32(end + 16, view.getUint32(end + 16, true) + 1, true); // central directory offset
    expectRefused(shifted, 'ZIP_STRUCTURE');
    view.setUint32(end + 16, 0xffffffff, true);
    expectRefused(shifted, 'ZIP_UNSUPPORTED', /zip64/);
  });

  test('compressed entries, which torch.save never writes, and a wrong checksum', () => {
    expectRefused(buildTorchZip(zipEntries(adapter), { method: 8 }), 'ZIP_UNSUPPORTED', /compressed \(method 8\)/);
    const flipped = adapter.slice();
    const [, firstStorage] = zipEntries(adapter).find(([name]) => name.endsWith('/data/0'))!;
    flipped[Buffer.from(adapter).indexOf(Buffer.from(firstStorage)) + 5] ^= 1;
    expectRefused(flipped, 'CHECKSUM_MISMATCH');
  });

  test('a storage record that is missing or has the wrong size', () => {
    const entries = zipEntries(adapter);
    expectRefused(buildTorchZip(entries.filter(([name]) => name !== 'adapter_model/data/3')), 'MISSING_RECORD', /storage "3"/);
    expectRefused(buildTorchZip(entries.filter(([name]) => !name.endsWith('data.pkl'))), 'MISSING_RECORD', /data\.pkl/);
    const resized = entries.map(([name, data]): [string, Uint8Array] => [name, name === 'adapter_model/data/3' ? data.subarray(4) : data]);
    expectRefused(buildTorchZip(resized), 'INVALID_TENSOR', /holds 60 bytes; 16 elements of F32 need 64/);
  });

  test('every limit is checked before the allocation it guards', () => {
    const limited = (limits: object) => refusal(() => decodeTorchStateDict(adapter, { limits }));
    expect(limited({ maxEntries: 3 }).message).toMatch(/entries, over the limit of 3/);
    expect(limited({ maxPickleBytes: 100 }).message).toMatch(/data\.pkl has \d+ bytes, over the limit of 100/);
    expect(limited({ maxTensors: 5 }).message).toMatch(/the dict has 12 entries, over the limit of 5/);
    expect(limited({ maxOutputBytes: 100 }).reason).toBe('TOO_LARGE');
    expect(() => decodeTorchStateDict(adapter, { limits: { maxEntries: -1 } })).toThrow(InvalidArgumentError);
    expect(() => decodeTorchStateDict(adapter, { limits: { maxEntrys: 3 } as object })).toThrow(/limits\.maxEntrys: expected one of maxEntries/);
  });

  test('globals that are not a state dict\'s are refused when named, before any call', () => {
    const system = replaceInPickle(adapter, 'collections\nOrderedDict', 'os\nsystem');
    expectRefused(system, 'FORBIDDEN_GLOBAL', /"os\.system"/);
    expectRefused(replaceInPickle(adapter, 'torch._utils\n_rebuild_tensor_v2', 'torch._utils\n_rebuild_parameter'), 'FORBIDDEN_GLOBAL');
    expectRefused(replaceInPickle(adapter, 'torch\nFloatStorage', 'torch\nComplexFloatStorage'), 'UNSUPPORTED_DTYPE', /ComplexFloatStorage/);
    expectRefused(archiveOf(pickleBytes(0x80, 2, 'cbuiltins\neval\n', unicode('1'), 0x85, 0x52, 0x2e)), 'FORBIDDEN_GLOBAL', /"builtins\.eval"/);
  });

  test('opcodes outside torch.save\'s set are refused: instances, lists, floats, protocol 4', () => {
    const cases: Array<[string, Uint8Array]> = [
      ['INST', pickleBytes(0x80, 2, 0x28, 'iposix\nsystem\n', 0x2e)],
      ['NEWOBJ', pickleBytes(0x80, 2, 0x4e, 0x29, 0x81, 0x2e)],
      ['EMPTY_LIST', pickleBytes(0x80, 2, 0x5d, 0x2e)],
      ['BINFLOAT', pickleBytes(0x80, 2, 0x47, [0, 0, 0, 0, 0, 0, 0, 0], 0x2e)],
      ['PROTO 4', pickleBytes(0x80, 4, 0x95, [0, 0, 0, 0, 0, 0, 0, 0], 0x7d, 0x2e)],
    ];
    for (const [what, pickle] of cases) expect([what, refusal(() => decodeTorchStateDict(archiveOf(pickle))).reason]).toEqual([what, 'FORBIDDEN_OPCODE']);
  });

  test('allowed opcodes used in ways torch.save never does', () => {
    // BUILD on a tensor (its state would be set through __setstate__).
    expectRefused(replaceInPickle(adapter, 'q\x0cR', 'q\x0cR}b'), 'PICKLE_MALFORMED', /BUILD sets a dict of 0 items on a tensor \[2, 8\]/);
    // A storage type called like a function.
    expectRefused(archiveOf(pickleBytes(0x80, 2, 'ctorch\nFloatStorage\n', 0x29, 0x52, 0x2e)), 'PICKLE_MALFORMED', /not callable/);
    // Stack underflow, and a value left over at STOP.
    expectRefused(archiveOf(pickleBytes(0x80, 2, 0x73, 0x2e)), 'PICKLE_MALFORMED', /SETITEM/);
    expectRefused(archiveOf(pickleBytes(0x80, 2, 0x7d, 0x7d, 0x2e)), 'PICKLE_MALFORMED', /exactly one value/);
    expectRefused(archiveOf(pickleBytes(0x80, 2, 0x68, 9, 0x2e)), 'PICKLE_MALFORMED', /never stored/);
  });

  test('a pickle cut short', () => {
    expectRefused(withPickle(adapter, (pickle) => pickle.subarray(0, pickle.length - 1)), 'PICKLE_TRUNCATED');
    expectRefused(withPickle(adapter, (pickle) => pickle.subarray(0, 40)), 'PICKLE_TRUNCATED');
  });

  test('not a flat dict of names to tensors', () => {
    expectRefused(archiveOf(pickleBytes(0x80, 2, ...unicode('weights'), 0x2e)), 'NOT_A_STATE_DICT', /the string "weights"/);
    const nested = pickleBytes(0x80, 2, 0x7d, ...unicode('state_dict'), 0x7d, 0x73, 0x2e);
    expectRefused(archiveOf(nested), 'NOT_A_STATE_DICT', /"state_dict" is a dict of 0 items, not a tensor/);
    expectRefused(archiveOf(pickleBytes(0x80, 2, 0x7d, 0x4b, 1, 0x7d, 0x73, 0x2e)), 'NOT_A_STATE_DICT', /int key 1/);
  });

  test('a name set twice', () => {
    // Same length, so the BINUNICODE prefix stays right.
    const twice = replaceInPickle(adapter, 'layer.0.attention.self.query.lora_B', 'layer.0.attention.self.query.lora_A');
    expectRefused(twice, 'DUPLICATE_NAME', /set twice/);
  });

  test('tensors reaching outside their storage, or with sizes that cannot be', () => {
    // The first tensor is [2, 8] with stride (8, 1): raise its first stride so row 1 ends past the 16 elements.
    expectRefused(replaceInPickle(adapter, 'K\x08K\x01\x86', 'K\x09K\x01\x86'), 'INVALID_TENSOR', /needs 17 elements, the storage has 16/);
    expectRefused(replaceInPickle(adapter, 'K\x02K\x08\x86', 'K\x02\x85'), 'INVALID_TENSOR', /1 dimensions, stride/);
    expectRefused(replaceInPickle(adapter, 'K\x00K\x02K\x08\x86', 'J\xff\xff\xff\xffK\x02K\x08\x86'), 'INVALID_TENSOR', /storage offset is the int -1/);
  });
});
