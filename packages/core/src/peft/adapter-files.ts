/**
 * An adapter's state in peft's file form, and back: the tensors under peft's
 * names and the config as peft writes it. Browser-safe (no file system); the
 * Node file I/O is in peft-model-io.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PeftError, ShapeMismatchError } from '../errors';
import type { AdapterConfig } from '../io/peft/adapter-config';
import { PEFT_MODEL_PREFIX, toPeftFileName } from '../io/peft/tensor-names';
import type { Parameter } from '../nn/parameter';
import { closestNames } from '../util/closest';
import type { PeftConfig } from './config/schema';
import type { PeftModel } from './peft-model';
import { getPeftMethod } from './registry';

export interface AdapterFileState {
  /** The config as peft writes it (inference_mode true, as peft's save_pretrained does). */
  config: AdapterConfig;
  /** JSON pointers of config numbers written as floats (`/lora_dropout` -> `0.0`). */
  floatPaths: string[];
  /** Live parameter values under peft's file names: do not dispose. */
  tensors: Record<string, tf.Tensor>;
}

/** Which parameter each peft file name stands for, for one adapter. */
export function adapterFileNames(model: PeftModel<never, unknown>, adapterName: string): Map<string, [string, Parameter]> {
  const config = model.peftConfig[adapterName];
  const method = getPeftMethod(config.peft_type);
  const byFileName = new Map<string, [string, Parameter]>();
  for (const [path, parameter] of model.adapterState(adapterName)) {
    // Paths in the PeftModel start with peft's own prefix; toPeftFileName takes them relative to the base model.
    const relative = path.startsWith(PEFT_MODEL_PREFIX) ? path.slice(PEFT_MODEL_PREFIX.length) : undefined;
    const fileName =
      method.fileName?.(relative ?? path, adapterName) ??
      (relative === undefined
        ? undefined
        : toPeftFileName(relative, { adapterName, tensorKeyPrefixes: method.tensorKeyPrefixes, modulesToSave: config.modules_to_save ?? [] }));
    if (fileName === undefined) {
      throw new PeftError('UNNAMED_TENSOR', `${config.peft_type}: no peft file name for parameter '${path}' (the method must name tensors outside the base model)`);
    }
    byFileName.set(fileName, [path, parameter]);
  }
  return byFileName;
}

export function adapterFileState(model: PeftModel<never, unknown>, adapterName: string): AdapterFileState {
  const config = model.peftConfig[adapterName];
  const schema = getPeftMethod(config.peft_type).schema;
  const floatPaths = Object.entries(config)
    .filter(([key, value]) => typeof value === 'number' && schema.fields[key]?.isFloat)
    .map(([key]) => `/${key}`);
  const tensors = Object.fromEntries([...adapterFileNames(model, adapterName)].map(([fileName, [, p]]) => [fileName, p.variable as tf.Tensor]));
  return { config: { ...toJsonConfig(config), inference_mode: true }, floatPaths, tensors };
}

function toJsonConfig(config: PeftConfig): AdapterConfig {
  // Round-trip through JSON: drops undefined, copies nested objects.
  return JSON.parse(JSON.stringify(config)) as AdapterConfig;
}

/**
 * Copies file tensors into an adapter's parameters. Every tensor must name a
 * parameter of the adapter with the same shape, and every parameter must be
 * present; all is checked before anything is written. Does not dispose `tensors`.
 */
export function assignAdapterFileState(model: PeftModel<never, unknown>, adapterName: string, tensors: Readonly<Record<string, tf.Tensor>>): void {
  const expected = adapterFileNames(model, adapterName);
  const unexpected = Object.keys(tensors).filter((name) => !expected.has(name));
  const missing = [...expected.keys()].filter((name) => !(name in tensors));
  if (unexpected.length > 0 || missing.length > 0) {
    const hint = unexpected.length > 0 ? ` (closest expected names to '${unexpected[0]}': ${closestNames(unexpected[0], expected.keys(), 3).join(', ')})` : '';
    throw new PeftError(
      'ADAPTER_TENSOR_MISMATCH',
      `adapter '${adapterName}': tensors in the file do not fit the model: missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}]${hint}`,
    );
  }
  for (const [name, [, parameter]] of expected) {
    const value = tensors[name];
    if (!tf.util.arraysEqual(value.shape, parameter.shape)) throw new ShapeMismatchError(`adapter tensor '${name}'`, parameter.shape, value.shape);
  }
  for (const [name, [, parameter]] of expected) parameter.assign(tensors[name]);
}
