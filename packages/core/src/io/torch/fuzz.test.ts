/**
 * Seeded fuzzing of the torch.save reader: the fixtures PyTorch wrote, mutated
 * as raw bytes (bit flips, cuts, junk, zip header fields) and, so that the
 * mutations get past the CRC checks to the unpickler, as edited pickles and
 * storages put back into a well-formed zip. Each input must decode or throw
 * TorchFormatError, quickly, within the output limit, leaving no tensor behind.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { TorchFormatError } from './errors';
import { decodeTorchStateDict } from './state-dict';
import { decodeTorchStateDictTensors } from './state-dict-tensors';
import { EXPECTED, buildTorchZip, fixture, seededRandom, zipEntries, type ZipEntries } from './test-helpers';

const ITERATIONS = 6_000;
const SLOWEST_ALLOWED_MS = 250;

const random = seededRandom(0x70c4a11e);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const FILES = Object.keys(EXPECTED.files).map(fixture);
const ENTRIES = FILES.map(zipEntries);
const PICKLES = ENTRIES.map((entries) => entries.find(([name]) => name.endsWith('/data.pkl'))![1]);

/** Opcodes worth inserting: the allowed ones (in the wrong places) and a few forbidden ones. */
const OPCODES = [0x28, 0x7d, 0x29, 0x74, 0x85, 0x86, 0x87, 0x58, 0x4b, 0x4d, 0x4a, 0x8a, 0x88, 0x89, 0x4e, 0x71, 0x72, 0x68, 0x6a, 0x63, 0x52, 0x51, 0x62, 0x73, 0x75, 0x2e, 0x80, 0x5d, 0x61, 0x69, 0x81, 0x93, 0x95];

function randomBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, () => int(256));
}

function flipBits(bytes: Uint8Array, flips: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < flips && out.length > 0; i++) out[int(out.length)] ^= 1 << int(8);
  return out;
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(bytes.length - Math.min(remove, bytes.length - at) + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(Math.min(bytes.length, at + remove)), at + insert.length);
  return out;
}

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const fromLatin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

/** Edits of names and structure: a key renamed onto another, other globals, the dict nested in another. */
function substitute(pickle: Uint8Array): Uint8Array {
  const text = latin1(pickle);
  switch (int(4)) {
    case 0:
      return fromLatin1(text.replace(pick(['lora_B', 'weight', 'bias']), pick(['lora_A', 'weigh', 'bias', 'tied.a'])));
    case 1:
      return fromLatin1(text.replace('FloatStorage', pick(['ComplexFloatStorage', 'QInt8Storage', 'HalfStorage', 'LongStorage', 'BoolStorage', 'Float'])));
    case 2:
      return fromLatin1(text.replace(pick(['collections\nOrderedDict', 'torch._utils\n_rebuild_tensor_v2']), pick(['os\nsystem', 'builtins\neval', 'torch._utils\n_rebuild_parameter', 'collections\nOrderedDict'])));
    default:
      // {'k': <the state dict>}: a nested checkpoint.
      return fromLatin1(`\x80\x02}r\x00\xff\xff\xffX\x01\x00\x00\x00k${text.slice(2, -1)}s.`);
  }
}

/** Pickle edits that keep most of the structure, so the later opcodes still run. */
function mutatePickle(pickle: Uint8Array): Uint8Array {
  const at = int(pickle.length + 1);
  switch (int(8)) {
    case 0:
      return flipBits(pickle, 1 + int(3));
    case 1:
      return splice(pickle, at, int(3), [pick(OPCODES)]);
    case 2:
      return splice(pickle, at, 1 + int(8), []);
    case 3: {
      // An integer argument (BININT1's byte) made extreme or off by one.
      const out = pickle.slice();
      const positions = [...out.keys()].filter((i) => out[i] === 0x4b && i + 1 < out.length);
      if (positions.length > 0) out[pick(positions) + 1] = pick([0, 1, 255, 127, out[at] ?? 0]);
      return out;
    }
    case 4:
      return pickle.subarray(0, at);
    case 5: {
      const other = pick(PICKLES);
      const from = int(other.length);
      return splice(pickle, at, int(40), other.subarray(from, from + int(80)));
    }
    case 6:
      return substitute(pickle);
    default:
      return splice(pickle, at, 0, randomBytes(1 + int(6)));
  }
}

/** Archive-level edits with valid checksums: storages resized, dropped, renamed or duplicated. */
function mutateEntries(entries: ZipEntries): ZipEntries {
  const out = entries.map(([name, data]): [string, Uint8Array] => [name, data]);
  const i = int(out.length);
  switch (int(5)) {
    case 0:
      out[i] = [out[i][0], out[i][1].subarray(0, int(out[i][1].length + 1))];
      return out;
    case 1:
      out[i] = [out[i][0], splice(out[i][1], out[i][1].length, 0, randomBytes(1 + int(8)))];
      return out;
    case 2:
      out.splice(i, 1);
      return out;
    case 3:
      out[i] = [pick(['archive/data.pkl', `${out[i][0]}x`, 'x', '', out[0][0].replace(/\/.*/, '/byteorder')]), out[i][1]];
      return out;
    default:
      return [out[i], ...out];
  }
}

/** Zip header fields (end record, central and local headers) set to extreme or nearby values. */
function editZipFields(file: Uint8Array): Uint8Array {
  const out = file.slice();
  const view = new DataView(out.buffer);
  const signatures = [0x06054b50, 0x02014b50, 0x04034b50, 0x06064b50];
  const starts = [...out.keys()].filter((i) => i + 4 <= out.length && signatures.includes(view.getUint32(i, true)));
  if (starts.length === 0) return flipBits(out, 1);
  const field = Math.min(out.length - 4, pick(starts) + 4 + 2 * int(20));
  const value = pick([0, 1, 0xffff, 0xffffffff, out.length, out.length - 22, view.getUint32(field, true) + 1, int(2 ** 32)]);
  if (random() < 0.5) view.setUint16(field, value & 0xffff, true);
  else view.setUint32(field, value >>> 0, true);
  return out;
}

function mutate(choice: number): Uint8Array {
  const which = int(FILES.length);
  const file = FILES[which];
  switch (choice % 8) {
    case 0:
      return flipBits(file, 1 + int(4));
    case 1:
      return file.subarray(0, int(file.length));
    case 2:
      return splice(file, file.length, 0, randomBytes(1 + int(30)));
    case 3:
      // Random bytes, or a bare pickle as torch.save wrote before the zip format.
      return random() < 0.8 ? randomBytes(int(200)) : PICKLES[which];
    case 4:
      return editZipFields(file);
    case 5:
      return buildTorchZip(mutateEntries(ENTRIES[which]));
    default: {
      let pickle = mutatePickle(PICKLES[which]);
      if (random() < 0.3) pickle = mutatePickle(pickle);
      return buildTorchZip(ENTRIES[which].map(([name, data]) => [name, name.endsWith('/data.pkl') ? pickle : data]));
    }
  }
}

const reasons = new Set<string>();

/** Small limits now and then, so that every limit is reached. */
function someLimits(): object {
  if (random() > 0.1) return {};
  return { [pick(['maxEntries', 'maxPickleBytes', 'maxTensors', 'maxOutputBytes'])]: int(400) };
}

function exercise(bytes: Uint8Array): 'decoded' | 'refused' {
  let outcome: 'decoded' | 'refused' = 'decoded';
  const limits = someLimits();
  const readers = [
    () => {
      const { tensors } = decodeTorchStateDict(bytes, { limits });
      const decodedBytes = Object.values(tensors).reduce((sum, tensor) => sum + tensor.data.byteLength, 0);
      if (decodedBytes > 2 * bytes.length) throw new Error(`decoded ${decodedBytes} bytes from a ${bytes.length}-byte file`);
    },
    () => tf.dispose(Object.values(decodeTorchStateDictTensors(bytes, { limits }).tensors)),
  ];
  for (const read of readers) {
    try {
      read();
    } catch (error) {
      if (!(error instanceof TorchFormatError)) {
        throw new Error(`Unexpected ${(error as Error)?.name}: ${(error as Error)?.message} for input ${Buffer.from(bytes).toString('base64').slice(0, 2000)}`);
      }
      outcome = 'refused';
      reasons.add(error.reason);
    }
  }
  return outcome;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  // The backend's first tensor costs a few hundred milliseconds once; keep it out of the timings.
  exercise(FILES[0]);
});

it(`survives ${ITERATIONS} mutated and random torch.save files`, () => {
  const tensorsBefore = tf.memory().numTensors;
  const counts = { decoded: 0, refused: 0 };
  let slowest = 0;
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const input = mutate(i);
    const caseStart = performance.now();
    counts[exercise(input)]++;
    slowest = Math.max(slowest, performance.now() - caseStart);
  }
  const elapsed = performance.now() - start;
  expect(slowest).toBeLessThan(SLOWEST_ALLOWED_MS);
  expect(elapsed).toBeLessThan(30_000);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  // Both outcomes must be well represented, or the mutations are not testing much.
  expect(counts.decoded).toBeGreaterThan(ITERATIONS * 0.02);
  expect(counts.refused).toBeGreaterThan(ITERATIONS * 0.3);
  if (process.env.FUZZ_VERBOSE) console.log(counts, [...reasons].sort(), `${elapsed.toFixed(0)} ms, slowest ${slowest.toFixed(1)} ms`);
  expect(reasons.size).toBeGreaterThanOrEqual(17);
});
