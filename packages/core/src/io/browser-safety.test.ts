/**
 * `io/index.ts` and `io/files.ts` must stay loadable in a browser: nothing they
 * reach may import a Node built-in. Node-only code lives in `io/node/` behind
 * `io/node.ts`, reached only through `io/file-system.ts`, which the browser build
 * replaces with `io/file-system.browser.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

function browserSafeSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node' ? [] : browserSafeSources(full);
    const isTestCode = entry.name.endsWith('.test.ts') || entry.name === 'test-helpers.ts';
    const isNodeEntry = entry.name === 'node.ts' || entry.name === 'file-system.ts';
    return entry.name.endsWith('.ts') && !isNodeEntry && !isTestCode ? [full] : [];
  });
}

it('browser-safe io files import no Node built-in and nothing from io/node', () => {
  const files = browserSafeSources(__dirname);
  expect(files.length).toBeGreaterThan(10);
  const offenders = files.filter((file) => {
    // Type-only imports and re-exports are erased: they load nothing.
    const source = readFileSync(file, 'utf8').replace(/^(import|export) type .*$/gm, '');
    return /from\s+'(node:|fs'|path'|os'|crypto')|import\('|require\(|from\s+'\.\.?\/(\.\.\/)*node(\/|')/.test(source);
  });
  expect(offenders.map((file) => path.relative(__dirname, file))).toEqual([]);
});

/** Files reached from `entry` by static value imports (type-only and dynamic imports load nothing at startup). */
function staticImportClosure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]);
    seen.set(file, specifiers);
    for (const specifier of specifiers.filter((s) => s.startsWith('.'))) {
      const resolved = path.resolve(path.dirname(file), specifier);
      visit([`${resolved}.ts`, path.join(resolved, 'index.ts')].find((candidate) => { try { return readFileSync(candidate) !== undefined; } catch { return false; } })!);
    }
  };
  visit(entry);
  return seen;
}

it('bytes and URL loading (peft/adapter-sources.ts) reach no Node built-in and nothing of io/node by static imports', () => {
  const closure = staticImportClosure(path.join(__dirname, '../peft/adapter-sources.ts'));
  expect(closure.size).toBeGreaterThan(10);
  const offenders = [...closure].filter(([, specifiers]) => specifiers.some((s) => /^(node:|fs$|path$|os$)/.test(s) || /(^|\/)node(\/|$)/.test(s)));
  expect(offenders.map(([file]) => path.relative(__dirname, file))).toEqual([]);
});
