/** Training aids (registerAuxiliaryTraining): a config key any method's config may carry, handled by the package that registered it. */
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { SCALE_SHIFT } from '../../test/scale-shift-method';
import { InvalidArgumentError } from '../errors';
import { Linear } from '../nn/layers/linear';
import { Sequential } from '../nn/layers/sequential';
import { manualSeed } from '../nn/random';
import { setWarningHandler } from '../util/log';
import { auxiliaryTraining, auxiliaryTrainingFor, registerAuxiliaryTraining, type AuxiliaryTraining } from './auxiliary-training';
import { getPeftModel } from './peft-model';

beforeAll(() => onBackend('cpu'));

const calls: Array<[string, unknown]> = [];
let failing = false;
const aid: AuxiliaryTraining = {
  configKey: 'test_aid',
  tensorKeyPrefixes: [],
  inject(context) {
    calls.push([context.adapterName, (context.config as unknown as Record<string, unknown>).test_aid]);
    // After the method: its layer is already in place.
    expect(context.model.getSubmodule('0').constructor.name).toBe('ScaleShiftLinear');
    if (failing) throw new InvalidArgumentError('test aid: refused');
  },
};
registerAuxiliaryTraining(aid);

const base = () => {
  manualSeed(3);
  return new Sequential(new Linear(2, 2));
};
const config = (extra: Record<string, unknown>) => ({ peft_type: SCALE_SHIFT, target_modules: ['0'], ...extra });

describe('training aids', () => {
  const previous = setWarningHandler(() => {}); // the aid's key is unknown to the test method's schema: kept, with a warning
  afterAll(() => setWarningHandler(previous));

  test('run after the method injected, for configs that set their key (not null, not absent)', () => {
    calls.length = 0;
    for (const [name, extra] of [['a', { test_aid: [1] }], ['b', { test_aid: null }], ['c', {}]] as const) getPeftModel(base(), config(extra), name).dispose();
    expect(calls).toEqual([['a', [1]]]);
    expect(auxiliaryTraining('test_aid')).toBe(aid);
    expect(auxiliaryTrainingFor({ peft_type: SCALE_SHIFT, test_aid: 0 } as never)).toEqual([aid]);
  });

  test("a failing aid rolls the whole add back, the method's changes too", () => {
    const model = getPeftModel(base(), config({}), 'first');
    const before = model.namedParameters().map(([p, v]) => [p, Array.from(v.variable.dataSync())]);
    const tensors = tf.memory().numTensors;
    failing = true;
    try {
      expect(() => model.addAdapter('second', config({ test_aid: true }))).toThrow('test aid: refused');
    } finally {
      failing = false;
    }
    expect(model.adapterNames).toEqual(['first']);
    expect(model.namedParameters().map(([p, v]) => [p, Array.from(v.variable.dataSync())])).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    model.dispose();
  });

  test('registering the same aid again is harmless; another one under its key is an InvalidArgumentError', () => {
    expect(() => registerAuxiliaryTraining(aid)).not.toThrow();
    expect(() => registerAuxiliaryTraining({ ...aid })).toThrow(InvalidArgumentError);
    expect(() => registerAuxiliaryTraining({ ...aid })).toThrow("a training aid for config key 'test_aid' is already registered");
  });
});
