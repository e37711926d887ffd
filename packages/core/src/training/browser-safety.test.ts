/**
 * The training loop must bundle for browsers: only checkpoints touch the file
 * system, and they load Node modules by dynamic import, when called.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

it('training sources import no Node built-in and nothing from io/node statically', () => {
  const sources = readdirSync(__dirname).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
  expect(sources).toContain('checkpoint.ts');
  const offenders = sources.filter((name) => {
    const source = readFileSync(path.join(__dirname, name), 'utf8');
    return /^import\s[^;]*from\s+'(node:|fs'|path'|os'|crypto'|\.\.\/io\/node)/m.test(source.replace(/^import type .*$/gm, '')) || /require\(/.test(source);
  });
  expect(offenders).toEqual([]);
});
