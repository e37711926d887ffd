/**
 * Saving and loading a composition with its adapters. The adapters are saved
 * by core in peft's folder layout (`default` at the top, others in sub-folders
 * named after them: each one loads on its own in peft or peftjs); the
 * composition goes beside them as `adapter_composition.json`:
 *
 *   { "composition": { "type": "Stack", "children": ["a", { "type": "Fuse", ... }] },
 *     "adapters": ["a", "b", "c", "fuse_b_c"] }
 *
 * `adapters` lists every adapter saved, fusion layers after the adapters they
 * fuse, in the order they must be loaded.
 *
 * Node only: in the browser build these reject with core's
 * FileSystemUnavailableError (see file-system.ts).
 */
import { AdapterStateError, InvalidArgumentError, NotFoundError, PeftModel, type Module } from '@peftjs/core';
import { adapterNamesOf, fuseBlocksOf, type Composition } from './blocks';
import { activeComposition, setActive } from './activate';
import { fileSystem } from './file-system';
import { parseComposition } from './parse';

export const COMPOSITION_FILE = 'adapter_composition.json';

type AnyPeftModel = PeftModel<never, unknown>;

interface CompositionDocument {
  composition: Composition;
  adapters: string[];
}

/**
 * Saves a composition (default: the one in force) and every adapter and fusion
 * layer in it. Returns the folders written. The JSON is written to a temporary
 * name and renamed, after the adapters.
 */
export async function saveComposition(model: AnyPeftModel, directory: string, composition: Composition | undefined = activeComposition(model)): Promise<string[]> {
  if (composition === undefined) throw new AdapterStateError('saveComposition: no composition is in force; pass one, or activate one with setActive');
  // Before any adapter is saved, so that without a file system the error names this function.
  const { fs, path } = await fileSystem('saveComposition');
  const adapters = [...adapterNamesOf(composition), ...fuseBlocksOf(composition).map((fuse) => fuse.name)];
  const written = await model.saveAdapter(directory, { adapterNames: adapters });
  const document: CompositionDocument = { composition, adapters };
  const target = path.join(directory, COMPOSITION_FILE);
  const temporary = `${target}.tmp-${process.pid}-${Date.now()}`;
  await fs.writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`);
  await fs.rename(temporary, target);
  return written;
}

async function readDocument(directory: string): Promise<{ composition: Composition; adapters: string[] }> {
  const { fs, path } = await fileSystem('loadComposition');
  const file = path.join(directory, COMPOSITION_FILE);
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'ENOENT' ? new NotFoundError(`no ${COMPOSITION_FILE} in ${directory} (saved with saveComposition?)`) : error;
  });
  let raw: Partial<CompositionDocument>;
  try {
    raw = JSON.parse(text) as Partial<CompositionDocument>;
  } catch (error) {
    throw new InvalidArgumentError(`${file}: expected JSON, found text that does not parse (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) throw new InvalidArgumentError(`${file}: expected a JSON object, found ${text.slice(0, 40)}`);
  const composition = parseComposition(raw.composition);
  const adapters = raw.adapters;
  if (!Array.isArray(adapters) || !adapters.every((name) => typeof name === 'string')) {
    throw new InvalidArgumentError(`${COMPOSITION_FILE} 'adapters': expected a list of adapter names, found ${JSON.stringify(adapters)}`);
  }
  return { composition, adapters };
}

export interface LoadCompositionOptions {
  /** Load the adapters for training rather than inference (default false, as peft). */
  isTrainable?: boolean;
}

/**
 * Loads a saved composition and its adapters into a PeftModel, or wraps a base
 * model with them, and activates it. On any error, the adapters it added are
 * removed again (a base model is unwrapped), so the model is left as it was.
 */
export async function loadComposition<In, Out>(target: PeftModel<In, Out> | Module<In, Out>, directory: string, options: LoadCompositionOptions = {}): Promise<PeftModel<In, Out>> {
  const { composition, adapters } = await readDocument(directory);
  const loadOptions = { isTrainable: options.isTrainable ?? false };
  let model: PeftModel<In, Out> | undefined = target instanceof PeftModel ? target : undefined;
  const created = model === undefined;
  const added: string[] = [];
  try {
    for (const name of adapters) {
      if (model === undefined) model = await PeftModel.fromPretrained(target as Module<In, Out>, directory, name, loadOptions);
      else await model.loadAdapter(directory, name, loadOptions);
      added.push(name);
    }
    if (model === undefined) throw new InvalidArgumentError(`${COMPOSITION_FILE}: lists no adapters`);
    setActive(model as unknown as AnyPeftModel, composition);
    return model;
  } catch (error) {
    if (model !== undefined) {
      if (created) model.unload();
      else for (const name of added.reverse()) model.deleteAdapter(name);
    }
    throw error;
  }
}
