/**
 * The contract kit's check that a forward pass runs every adapter layer: it
 * must fail, naming the paths, on models that call children they captured
 * before the method replaced them, and pass on the pattern addModule documents.
 */
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { SCALE_SHIFT, ScaleShiftLinear } from '../../test/scale-shift-method';
import { Linear } from '../nn/layers/linear';
import { Module } from '../nn/module';
import { manualSeed } from '../nn/random';
import { getPeftModel } from '../peft/peft-model';
import { expectEveryAdapterLayerCalled } from './adapter-calls';
import { runPeftContractTests } from './contract';
import { AdapterLayerNotCalledError } from './errors';

/** The pattern addModule's comment shows: children in fields assigned from addModule. */
class FieldNet extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor() {
    super();
    this.fc1 = this.addModule('fc1', new Linear(3, 4));
    this.fc2 = this.addModule('fc2', new Linear(4, 2));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.fc2.call(tf.tanh(this.fc1.call(x))));
  }
}

/** Broken: the forward pass calls the first layer through a closure made at construction. */
class ClosureNet extends Module {
  private readonly runFirst: (x: tf.Tensor) => tf.Tensor;
  constructor() {
    super();
    const fc1 = this.addModule('fc1', new Linear(3, 4));
    this.addModule('fc2', new Linear(4, 2));
    this.runFirst = (x) => fc1.call(x);
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => (this.getSubmodule('fc2') as unknown as Linear).call(tf.tanh(this.runFirst(x))));
  }
}

/** Broken: both layers live in #private fields, which setSubmodule cannot see. */
class PrivateFieldNet extends Module {
  readonly #fc1: Linear;
  readonly #fc2: Linear;
  constructor() {
    super();
    this.#fc1 = this.addModule('fc1', new Linear(3, 4));
    this.#fc2 = this.addModule('fc2', new Linear(4, 2));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.#fc2.call(tf.tanh(this.#fc1.call(x))));
  }
}

beforeAll(() => onBackend('cpu'));

const makeInput = () => tf.tensor2d([[0.3, -0.8, 0.5], [1.2, 0.1, -0.4]]);
const seeded = <M>(make: () => M) => () => {
  manualSeed(11);
  return make();
};
const config = { peft_type: SCALE_SHIFT, target_modules: ['fc1', 'fc2'], init_scale: 0.5 };

describe('expectEveryAdapterLayerCalled', () => {
  test.each([
    ['a closure', ClosureNet, ['fc1']],
    ['#private fields', PrivateFieldNet, ['fc1', 'fc2']],
  ] as const)('fails, naming the paths, for a model that calls its layers through %s', (_how, Net, paths) => {
    const model = getPeftModel(seeded(() => new Net())(), config);
    const x = makeInput();
    const caught = (() => {
      try {
        expectEveryAdapterLayerCalled(model, () => tf.dispose(model.call(x)));
      } catch (error) {
        return error;
      }
    })();
    expect(caught).toBeInstanceOf(AdapterLayerNotCalledError);
    expect(caught).toMatchObject({ code: 'ADAPTER_LAYER_NOT_CALLED', paths, peftTypes: paths.map(() => SCALE_SHIFT) });
    expect((caught as Error).message).toContain(`found ${paths.length} never called: ${paths.map((p) => `'${p}' (${SCALE_SHIFT})`).join(', ')}`);
    // The counting wrappers are gone again.
    expect(model.adapterLayers().filter((layer) => Object.hasOwn(layer, 'forward'))).toEqual([]);
    x.dispose();
    model.dispose();
  });

  test('passes on the documented pattern, whose forward then runs and trains the adapter', () => {
    const base = seeded(() => new FieldNet())();
    const [fc1, fc2] = [base.fc1, base.fc2];
    const x = makeInput();
    const baseOutput = tf.tidy(() => Array.from(base.call(x).dataSync()));
    const model = getPeftModel(base, config);
    expect([base.fc1 instanceof ScaleShiftLinear, base.fc2 instanceof ScaleShiftLinear]).toEqual([true, true]);

    const output = expectEveryAdapterLayerCalled(model, () => tf.tidy(() => Array.from(model.call(x).dataSync())));
    expect(Math.max(...output.map((v, i) => Math.abs(v - baseOutput[i])))).toBeGreaterThan(0.1);
    const trainable = model.parameters().filter((p) => p.trainable);
    const norms = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(model.call(x))) as tf.Scalar, trainable.map((p) => p.variable));
      return trainable.map((p) => tf.norm(grads[p.variable.name]).dataSync()[0]);
    });
    expect([trainable.length, norms.every((n) => n > 0)]).toEqual([4, true]);

    expect(model.unload()).toBe(base);
    expect([base.fc1 === fc1, base.fc2 === fc2]).toEqual([true, true]);
    expect(tf.tidy(() => Array.from(base.call(x).dataSync()))).toEqual(baseOutput);
    x.dispose();
    base.dispose();
  });
});

// The whole contract, on a model that holds its children in fields (with a modules_to_save head).
runPeftContractTests({
  name: 'scale-shift on a model that calls its children through fields',
  makeBase: seeded(() => new FieldNet()),
  makeInput,
  config: { peft_type: SCALE_SHIFT, target_modules: ['fc1'], modules_to_save: ['fc2'] },
  otherConfig: config,
  mergeable: true,
});
