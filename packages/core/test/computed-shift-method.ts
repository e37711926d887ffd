/**
 * A test method whose files hold a computed tensor, as peft's P-tuning does
 * (get_prompt_embedding_to_save): x -> base(x + s). While training, s =
 * table * scale is computed from two parameters kept at the PeftModel's root
 * (`computed_shift.<adapter>.table`, `.scale`) that files do not hold (file
 * name null); files hold s itself as `computed_shift`. In inference form
 * (inference_mode true) the module holds s as its `table`, which is the file's
 * `computed_shift`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, defineConfigSchema, fields, registerPeftMethod, type AnyModule, type Parameter, type PeftMethod } from '../src/index';

export const COMPUTED_SHIFT = 'TEST_COMPUTED_SHIFT';
export const COMPUTED_SHIFT_FILE_NAME = 'computed_shift';
const COLLECTION = 'computed_shift';

const schema = defineConfigSchema(COMPUTED_SHIFT, { size: fields.positiveInteger(undefined) });

export class ComputedShift extends Module<void, tf.Tensor> {
  readonly table: Parameter;
  /** Only in training form. */
  readonly scale: Parameter | undefined;

  constructor(size: number, trainingForm: boolean) {
    super();
    this.table = this.addParameter('table', tf.zeros([size]));
    this.scale = trainingForm ? this.addParameter('scale', tf.ones([size])) : undefined;
  }

  /** s: table * scale while training, the table itself in inference form. */
  forward(): tf.Tensor {
    return this.scale === undefined ? this.table.read() : tf.mul(this.table.read(), this.scale.read());
  }
}

export function computedShiftOf(model: AnyModule, adapterName: string): ComputedShift {
  return model.getSubmodule(`${COLLECTION}.${adapterName}`) as ComputedShift;
}

export const computedShiftMethod: PeftMethod<ReturnType<typeof schema.parse>> = {
  peftType: COMPUTED_SHIFT,
  schema,
  tensorKeyPrefixes: [],
  mergeable: false,
  inject({ config, addRootModule, setForwardTransform }) {
    const module = new ComputedShift(config.size, !config.inference_mode);
    addRootModule(COLLECTION, module);
    setForwardTransform((input, next) => tf.tidy(() => next(tf.add(input as tf.Tensor, module.call())) as tf.Tensor));
  },
  fileName(path, adapterName, model) {
    if (!path.startsWith(`${COLLECTION}.${adapterName}.`)) return undefined;
    return computedShiftOf(model, adapterName).scale === undefined ? COMPUTED_SHIFT_FILE_NAME : null;
  },
  computedFileTensors(model, adapterName): Record<string, tf.Tensor> {
    const module = computedShiftOf(model, adapterName);
    if (module.scale === undefined) return {};
    return { [COMPUTED_SHIFT_FILE_NAME]: tf.tidy(() => tf.mul(module.table.read(), module.scale!.read())) };
  },
};

registerPeftMethod(computedShiftMethod);
