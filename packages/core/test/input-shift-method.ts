/**
 * A third test method that changes the input rather than any weight, as prompt
 * and prefix tuning do: x -> base(x + b), with b a learned vector kept at the
 * PeftModel's root (`input_shift.<adapter>.shift`) and one tensor in files,
 * `input_shift`, as peft stores `prompt_embeddings`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Module, defineConfigSchema, fields, registerPeftMethod, type Parameter, type PeftMethod } from '../src/index';

export const INPUT_SHIFT = 'TEST_INPUT_SHIFT';

const schema = defineConfigSchema(INPUT_SHIFT, { size: fields.positiveInteger(undefined) });

class Shift extends Module<never, never> {
  readonly shift: Parameter;
  constructor(size: number) {
    super();
    this.shift = this.addParameter('shift', tf.zeros([size]));
  }
  forward(): never {
    throw new TypeError('Shift holds a parameter; the forward transform uses it');
  }
}

export const inputShiftMethod: PeftMethod<ReturnType<typeof schema.parse>> = {
  peftType: INPUT_SHIFT,
  schema,
  tensorKeyPrefixes: [],
  mergeable: false,
  inject({ config, addRootModule, setForwardTransform }) {
    const module = new Shift(config.size);
    addRootModule('input_shift', module);
    setForwardTransform((input, next) => tf.tidy(() => next(tf.add(input as tf.Tensor, module.shift.read())) as tf.Tensor));
  },
  fileName: (path) => (path.startsWith('input_shift.') ? 'input_shift' : undefined),
};

registerPeftMethod(inputShiftMethod);
