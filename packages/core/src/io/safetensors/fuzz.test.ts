/**
 * Seeded fuzzing of the reader: valid files mutated (bit flips, truncations, header
 * edits, wrong lengths) and random bytes. Each input must either decode or throw
 * SafetensorsFormatError, quickly, and leave no tensor behind.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFormatError } from '../errors';
import { decodeSafetensors } from './decode';
import { decodeSafetensorsRaw, type RawTensor } from './decode-raw';
import { SAFETENSORS_DTYPES, type SafetensorsDtype } from './dtypes';
import { encodeSafetensors } from './encode';
import { readSafetensorsHeader } from './header';
import { buildSafetensorsFile, headerText, seededRandom } from './test-helpers';

const ITERATIONS = 10_000;
const SLOWEST_ALLOWED_MS = 250;

const random = seededRandom(0x5afe7e45);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];
const DTYPES = Object.keys(SAFETENSORS_DTYPES) as SafetensorsDtype[];

function randomBytes(length: number): Uint8Array {
  return Uint8Array.from({ length }, () => int(256));
}

function validFile(): Uint8Array {
  const tensors: Record<string, RawTensor> = {};
  const count = int(5);
  for (let i = 0; i < count; i++) {
    const dtype = pick(DTYPES);
    const shape = Array.from({ length: int(4) }, () => int(4));
    const elements = shape.reduce((a, b) => a * b, 1);
    const bytes = randomBytes(elements * SAFETENSORS_DTYPES[dtype].byteSize);
    // Keep wide integers inside int32 so valid files decode; mutations push them out.
    const size = SAFETENSORS_DTYPES[dtype].byteSize;
    if (dtype === 'I64' || dtype === 'U64' || dtype === 'U32') bytes.forEach((_, b) => b % size >= 3 && (bytes[b] = 0));
    tensors[`layer.${i}.${pick(['weight', 'bias', 'lora_A', '\u00e9', ''])}`] = { dtype, shape, data: SAFETENSORS_DTYPES[dtype].view(bytes.buffer as ArrayBuffer) } as RawTensor;
  }
  return encodeSafetensors(tensors, random() < 0.5 ? { metadata: { format: 'pt', note: 'x'.repeat(int(9)) } } : {});
}

const TOKENS = ['{', '}', '[', ']', ',', ':', '"', 'null', '-1', '0', '1.5', '1e400', '99999999999999999999', '"F32"', '"F8_E4M3"', '"__metadata__"', ' ', '\\u0000', '\u00ff'];

/** A textual edit of the header, rewritten with a correct (or sometimes stale) length. */
function editHeader(file: Uint8Array): Uint8Array {
  if (file.length < 8) return file;
  const text = headerText(file).trimEnd();
  const data = file.subarray(8 + new TextEncoder().encode(headerText(file)).length);
  const at = int(text.length + 1);
  let edited: string;
  switch (int(5)) {
    case 0: // change a number
      edited = text.replace(/\d+/g, (digits) => (random() < 0.15 ? pick(['0', '1', '-1', '7', '2.5', '4294967296', '9007199254740993', digits + '0']) : digits));
      break;
    case 1: // change a dtype
      edited = text.replace(/"(F|I|U|BF|BOOL)[0-9]*"/, `"${pick([...DTYPES, 'F8_E5M2', 'X', ''])}"`);
      break;
    case 2: // delete a span
      edited = text.slice(0, at) + text.slice(at + 1 + int(6));
      break;
    case 3: // insert a token
      edited = text.slice(0, at) + pick(TOKENS) + text.slice(at);
      break;
    default: {
      // duplicate the first entry under the same or a related name
      const match = /"([^"]*)":(\{"dtype[^}]*\})/.exec(text);
      edited = match ? text.replace('{', `{"${random() < 0.5 ? match[1] : 'dup'}":${match[2]},`) : text;
    }
  }
  const padded = edited + ' '.repeat(int(9));
  const rebuilt = buildSafetensorsFile(padded, data.subarray(0, random() < 0.8 ? data.length : int(data.length + 1)));
  if (random() < 0.1) rebuilt.set(file.subarray(0, 8)); // stale length
  return rebuilt;
}

function mutate(file: Uint8Array): Uint8Array {
  const out = file.slice();
  switch (int(6)) {
    case 0: {
      for (let flips = 1 + int(4); flips > 0; flips--) {
        const position = random() < 0.7 ? int(Math.min(out.length, 200)) : int(out.length);
        out[position] ^= 1 << int(8);
      }
      return out;
    }
    case 1:
      return out.subarray(0, int(out.length));
    case 2: {
      const longer = new Uint8Array(out.length + 1 + int(16));
      longer.set(out);
      longer.set(randomBytes(longer.length - out.length), out.length);
      return longer;
    }
    case 3: {
      if (out.length < 8) return out;
      const view = new DataView(out.buffer);
      view.setBigUint64(0, pick([BigInt(int(out.length + 16)), 2n ** 63n, 2n ** 64n - 1n, 100_000_000n, 8n]), true);
      return out;
    }
    case 4:
      return randomBytes(int(48));
    default:
      return editHeader(file);
  }
}

/** Run every reader on one input; report anything that is not success or SafetensorsFormatError. */
const reasons = new Set<string>();

function exercise(bytes: Uint8Array): 'decoded' | 'refused' {
  let outcome: 'decoded' | 'refused' = 'decoded';
  const readers = [
    () => readSafetensorsHeader(bytes),
    () => decodeSafetensorsRaw(bytes),
    () => Object.values(decodeSafetensors(bytes).tensors).forEach((t) => t.dispose()),
  ];
  for (const read of readers) {
    try {
      read();
    } catch (error) {
      if (!(error instanceof SafetensorsFormatError)) {
        throw new Error(`Unexpected ${(error as Error)?.name}: ${(error as Error)?.message} for input ${Buffer.from(bytes.subarray(0, 300)).toString('latin1')}`);
      }
      outcome = 'refused';
      reasons.add(error.reason);
    }
  }
  return outcome;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

it(`survives ${ITERATIONS} mutated and random files`, () => {
  const tensorsBefore = tf.memory().numTensors;
  const counts = { decoded: 0, refused: 0 };
  let slowest = 0;
  const start = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    const base = validFile();
    if (i % 10 === 0) expect(exercise(base)).toBe('decoded');
    const input = mutate(random() < 0.3 ? mutate(base) : base);
    const caseStart = performance.now();
    counts[exercise(input)]++;
    slowest = Math.max(slowest, performance.now() - caseStart);
  }
  const elapsed = performance.now() - start;
  expect(slowest).toBeLessThan(SLOWEST_ALLOWED_MS);
  expect(elapsed).toBeLessThan(20_000);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
  // Both outcomes must be well represented, or the mutations are not testing much.
  expect(counts.decoded).toBeGreaterThan(ITERATIONS * 0.02);
  expect(counts.refused).toBeGreaterThan(ITERATIONS * 0.3);
  expect(reasons.size).toBeGreaterThanOrEqual(15);
  if (process.env.FUZZ_VERBOSE) console.log(counts, [...reasons].sort(), `${elapsed.toFixed(0)} ms, slowest ${slowest.toFixed(1)} ms`);
});
