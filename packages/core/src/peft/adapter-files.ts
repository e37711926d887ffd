/**
 * An adapter's state in peft's file form, and back: the tensors under peft's
 * names and the config as peft writes it. Browser-safe (no file system); the
 * Node file I/O is in peft-model-io.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PeftError, ShapeMismatchError } from '../errors';
import type { AdapterConfig } from '../io/peft/adapter-config';
import { PEFT_MODEL_PREFIX, toPeftFileName } from '../io/peft/tensor-names';
import type { AnyModule } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import { closestNames } from '../util/closest';
import { quoteText, showName } from '../util/quote';
import type { PeftConfig } from './config/schema';
import { floatPathsToWrite, keysToWrite } from './config/written-keys';
import { AdapterStateError, AdapterTensorMismatchError } from './errors';
import type { PeftModel } from './peft-model';
import { auxiliaryTrainingFor } from './auxiliary-training';
import { getPeftMethod } from './registry';

export interface AdapterFileState {
  /** The config as peft writes it (inference_mode true, as peft's save_pretrained does). */
  config: AdapterConfig;
  /** JSON pointers of config numbers written as floats (`/lora_dropout` -> `0.0`). */
  floatPaths: string[];
  /**
   * The tensors under peft's file names: live parameter values (do not dispose
   * them) and the tensors the method computes for files (PeftMethod.computedFileTensors).
   */
  tensors: Record<string, tf.Tensor>;
  /** Frees the computed tensors, leaving the parameters' values alone: call once written, or on failure. */
  dispose(): void;
}

interface FileNaming {
  /** Which parameter each peft file name stands for. */
  named: Map<string, [string, Parameter]>;
  /** Paths of the parameters the method does not write as is (file name null). */
  unwritten: string[];
}

/**
 * The peft file name of an adapter parameter at `path` (in the PeftModel, so
 * under `base_model.model.` unless it is a root module's): the method's own
 * name where it gives one, else the generic rule. null: not written as is;
 * undefined: no name (a method bug for a parameter that must be saved).
 */
export function peftFileNameOf(model: PeftModel<never, unknown>, config: PeftConfig, adapterName: string, path: string): string | null | undefined {
  const method = getPeftMethod(config.peft_type);
  // Paths in the PeftModel start with peft's own prefix; toPeftFileName takes them relative to the base model.
  const relative = path.startsWith(PEFT_MODEL_PREFIX) ? path.slice(PEFT_MODEL_PREFIX.length) : undefined;
  // Not `??`: null (not written as is) is the method's answer, undefined asks for the generic rule.
  const own = method.fileName?.(relative ?? path, adapterName, model as unknown as AnyModule);
  if (own !== undefined) return own;
  if (relative === undefined) return undefined;
  const tensorKeyPrefixes = [...method.tensorKeyPrefixes, ...auxiliaryTrainingFor(config).flatMap((aid) => aid.tensorKeyPrefixes)];
  return toPeftFileName(relative, { adapterName, tensorKeyPrefixes, modulesToSave: config.modules_to_save ?? [] });
}

function fileNaming(model: PeftModel<never, unknown>, adapterName: string): FileNaming {
  const config = model.peftConfig[adapterName];
  const named = new Map<string, [string, Parameter]>();
  const unwritten: string[] = [];
  for (const [path, parameter] of model.adapterState(adapterName)) {
    const fileName = peftFileNameOf(model, config, adapterName, path);
    if (fileName === null) {
      unwritten.push(path);
      continue;
    }
    if (fileName === undefined) {
      throw new PeftError('UNNAMED_TENSOR', `${config.peft_type}: no peft file name for parameter '${path}' (the method must name tensors outside the base model)`);
    }
    named.set(fileName, [path, parameter]);
  }
  return { named, unwritten };
}

/**
 * Which parameter each peft file name stands for, for one adapter. Parameters
 * the method does not write as is (PeftMethod.fileName null) are left out.
 */
export function adapterFileNames(model: PeftModel<never, unknown>, adapterName: string): Map<string, [string, Parameter]> {
  return fileNaming(model, adapterName).named;
}

/** The tensors core owns among what computedFileTensors returned (never a variable, which is a parameter's value). */
function owned(tensors: Record<string, unknown>): tf.Tensor[] {
  return Object.values(tensors).filter((t): t is tf.Tensor => t instanceof tf.Tensor && !(t instanceof tf.Variable));
}

/**
 * The method's computed file tensors, checked: new tensors, under names no
 * parameter takes. The caller disposes them; on a throw nothing is left.
 */
function computeFileTensors(model: PeftModel<never, unknown>, adapterName: string, named: FileNaming['named']): Record<string, tf.Tensor> {
  const peftType = model.peftConfig[adapterName].peft_type;
  const method = getPeftMethod(peftType);
  if (method.computedFileTensors === undefined) return {};
  const computed = method.computedFileTensors(model as unknown as AnyModule, adapterName);
  try {
    for (const [name, tensor] of Object.entries(computed as Record<string, unknown>)) {
      if (!(tensor instanceof tf.Tensor) || tensor instanceof tf.Variable || tensor.isDisposed) {
        const found = tensor instanceof tf.Variable ? 'a variable (a parameter\'s value)' : tensor instanceof tf.Tensor ? 'a disposed tensor' : typeof tensor;
        throw new PeftError('COMPUTED_FILE_TENSOR', `${peftType} adapter '${adapterName}': computedFileTensors must return new tensors, found ${found} for '${name}'`);
      }
      const holder = named.get(name);
      if (holder !== undefined) {
        throw new PeftError(
          'FILE_NAME_COLLISION',
          `${peftType} adapter '${adapterName}': computed file tensor '${name}' has the file name of parameter '${holder[0]}'; ` +
            'a file name stands for one tensor (name the parameter null in fileName if the computed value replaces it)',
        );
      }
    }
  } catch (error) {
    tf.dispose(owned(computed));
    throw error;
  }
  return computed;
}

/**
 * An adapter's files: its parameters under peft's names plus what the method
 * computes for files (PeftMethod.computedFileTensors). The model is not
 * changed. Call `dispose()` on the result once written.
 */
export function adapterFileState(model: PeftModel<never, unknown>, adapterName: string): AdapterFileState {
  const config = model.peftConfig[adapterName];
  const schema = getPeftMethod(config.peft_type).schema;
  const written = keysToWrite(config, schema);
  const floatPaths = floatPathsToWrite(config, schema, written);
  const jsonConfig = { ...toJsonConfig(config, written), inference_mode: true };
  const { named } = fileNaming(model, adapterName);
  const computed = computeFileTensors(model, adapterName, named);
  const tensors: Record<string, tf.Tensor> = Object.fromEntries([...named].map(([fileName, [, p]]) => [fileName, p.variable as tf.Tensor]));
  Object.assign(tensors, computed);
  for (const [copy, of] of tiedFileNames(model, adapterName)) if (Object.hasOwn(tensors, of) && !Object.hasOwn(tensors, copy)) tensors[copy] = tensors[of];
  return { config: jsonConfig, floatPaths, tensors, dispose: () => tf.dispose(Object.values(computed)) };
}

/** The written keys of `config` (see written-keys.ts), as JSON. */
function toJsonConfig(config: PeftConfig, written: ReadonlySet<string>): AdapterConfig {
  const kept = Object.defineProperties({}, Object.getOwnPropertyDescriptors(config)) as Record<string, unknown>;
  for (const key of Object.keys(kept)) if (!written.has(key)) delete kept[key];
  // Round-trip through JSON: drops undefined, copies nested objects.
  return JSON.parse(JSON.stringify(kept)) as AdapterConfig;
}

/**
 * Copies file tensors into an adapter's parameters. Every tensor must name a
 * parameter of the adapter with the same shape, and every parameter with a
 * file name must be present; all is checked before anything is written. A
 * tensor this form of the adapter computes on save (PeftMethod.computedFileTensors)
 * is an AdapterStateError. Does not dispose `tensors`.
 */
export function assignAdapterFileState(model: PeftModel<never, unknown>, adapterName: string, tensors: Readonly<Record<string, tf.Tensor>>): void {
  const { named: expected, unwritten } = fileNaming(model, adapterName);
  const copies = tiedFileNames(model, adapterName);
  checkTiedCopies(copies, expected, tensors);
  const unexpected = Object.keys(tensors).filter((name) => !expected.has(name) && !copies.has(name));
  // Names come from files: own properties only ('constructor' in {} is true).
  const missing = [...expected.keys()].filter((name) => !Object.hasOwn(tensors, name));
  if (unexpected.length > 0) throwIfComputed(model, adapterName, unexpected, expected, unwritten);
  if (unexpected.length > 0 || missing.length > 0) {
    const hint = unexpected.length > 0 ? ` (closest expected names to ${quoteText(unexpected[0])}: ${closestNames(unexpected[0], expected.keys(), 3).join(', ')})` : '';
    throw new AdapterTensorMismatchError(
      `adapter '${adapterName}': tensors in the file do not fit the model: missing [${listSome(missing)}], unexpected [${listSome(unexpected)}]${hint}`,
    );
  }
  for (const [name, [, parameter]] of expected) {
    const value = tensors[name];
    if (!tf.util.arraysEqual(value.shape, parameter.shape)) throw new ShapeMismatchError(`adapter tensor '${name}'`, parameter.shape, value.shape);
  }
  for (const [name, [, parameter]] of expected) parameter.assign(tensors[name]);
}

/** The method's tied file names (PeftMethod.tiedFileNames): copy -> the file name it copies. */
function tiedFileNames(model: PeftModel<never, unknown>, adapterName: string): ReadonlyMap<string, string> {
  const method = getPeftMethod(model.peftConfig[adapterName].peft_type);
  return method.tiedFileNames?.(model as unknown as AnyModule, adapterName) ?? new Map();
}

/** A copy a file holds must have the shape of the tensor it copies (its values are not read: the original is loaded). */
function checkTiedCopies(copies: ReadonlyMap<string, string>, expected: FileNaming['named'], tensors: Readonly<Record<string, tf.Tensor>>): void {
  for (const [copy, of] of copies) {
    const holder = expected.get(of);
    if (!Object.hasOwn(tensors, copy) || holder === undefined) continue;
    if (!tf.util.arraysEqual(tensors[copy].shape, holder[1].shape)) throw new ShapeMismatchError(`adapter tensor '${copy}' (a copy of '${of}')`, holder[1].shape, tensors[copy].shape);
  }
}

/** Names from files for a message: the first few, quoted and cut, and how many more. */
function listSome(names: readonly string[], shown = 8): string {
  const quoted = names.slice(0, shown).map((name) => showName(name, 200));
  return names.length > shown ? `${quoted.join(', ')}, ... ${names.length - shown} more` : quoted.join(', ');
}

/**
 * A file holding a tensor that this adapter computes when saving (from
 * parameters files do not hold) was written from another form of the adapter,
 * usually its inference form: say so, rather than "unexpected tensor".
 * Computes the method's file tensors to learn their names (on this error path only).
 */
function throwIfComputed(model: PeftModel<never, unknown>, adapterName: string, unexpected: string[], named: FileNaming['named'], unwritten: string[]): void {
  const computed = computeFileTensors(model, adapterName, named);
  tf.dispose(Object.values(computed));
  const inFile = unexpected.filter((name) => Object.hasOwn(computed, name));
  if (inFile.length === 0) return;
  const peftType = model.peftConfig[adapterName].peft_type;
  const shown = unwritten.length > 4 ? [...unwritten.slice(0, 3), `... ${unwritten.length - 3} more`] : unwritten;
  const from = unwritten.length > 0 ? `, from [${shown.join(', ')}] which files do not hold,` : '';
  throw new AdapterStateError(
    `${peftType} adapter '${adapterName}': the file holds [${inFile.join(', ')}], which this form of the adapter computes when saving${from} ` +
      'so the file cannot restore this form. Load it for inference instead (isTrainable false, i.e. inference_mode true), the form whose parameters the file holds',
  );
}
