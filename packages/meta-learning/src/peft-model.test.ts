/**
 * MAML over a PeftModel's parameters: the PEFT parameters are meta-learned,
 * the base stays frozen. A tiny scale-and-shift method stands in for LoRA or a
 * soft prompt; nothing here knows which method it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getPeftModel, type PeftModel } from '@peftjs/core';
import { expectClose, finiteDifferenceGradient, onBackend, regressionTask, snapshot, TEST_BACKENDS, tinyMlp } from '../test/helpers';
import { SCALE_SHIFT } from '../test/scale-shift-method';
import { MAML } from './algorithms/maml';
import { MetaSGD } from './algorithms/meta-sgd';
import { mseLoss } from './losses';
import { metaGradients } from './meta-gradients';
import { disposeParameterMap, disposeTask } from './tensors';

const ADAPTER_PATHS = [
  'base_model.model.0.scale_s.default',
  'base_model.model.0.scale_t.default',
  'base_model.model.2.scale_s.default',
  'base_model.model.2.scale_t.default',
];

function peftModel(): PeftModel {
  return getPeftModel(tinyMlp(), { peft_type: SCALE_SHIFT, target_modules: ['0', '2'], init_scale: 0.1 });
}

const batch = () => [
  regressionTask([[0.5, -1], [1, 0.3], [-0.7, 0.8]], [0.4, -0.2, 0.9], [[0.2, 0.2], [-1, 0.5]], [0.3, 0.8]),
  regressionTask([[1.2, 0.1], [-0.3, -0.9]], [-0.6, 0.7], [[0.9, -0.2], [-0.5, 0.1]], [-0.4, 0.5]),
];

describe.each(TEST_BACKENDS)('MAML over PEFT parameters on %s', (backend) => {
  beforeAll(() => onBackend(backend));

  test.each([
    ['MAML', (m: PeftModel) => new MAML(m, { loss: mseLoss, innerSteps: 2, innerLearningRate: 0.2 })],
    ['MetaSGD', (m: PeftModel) => new MetaSGD(m, { loss: mseLoss, innerLearningRate: 0.2 })],
  ] as const)('%s adapts and meta-learns exactly the adapter parameters; the base is untouched', (_name, make) => {
    const model = peftModel();
    const learner = make(model);
    expect(learner.innerPaths).toEqual(ADAPTER_PATHS);
    expect(learner.metaPaths).toEqual(ADAPTER_PATHS);
    const tasks = batch();
    const before = snapshot(model);
    const first = learner.metaStep(tasks).loss;
    const memory = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 10; i++) last = learner.metaStep(tasks).loss;
    expect(tf.memory().numTensors).toBe(memory);
    expect(last).toBeLessThan(first);
    const after = snapshot(model);
    for (const [path, values] of before) {
      const moved = values.some((v, i) => v !== after.get(path)![i]);
      expect([path, moved]).toEqual([path, ADAPTER_PATHS.includes(path)]);
    }
    const adapted = learner.adapt(tasks[0].support);
    expect([...adapted.parameters.keys()]).toEqual(ADAPTER_PATHS);
    adapted.dispose();
    learner.dispose();
    tasks.forEach(disposeTask);
    model.dispose();
  });
});

describe('second order through a PEFT layer', () => {
  beforeAll(() => onBackend('cpu'));

  test('the meta-gradient of the adapter parameters matches finite differences', () => {
    const model = peftModel();
    const tasks = batch();
    const shapes = ADAPTER_PATHS.map((p) => model.getParameter(p).shape);
    const at = (flat: Float32Array) => {
      let offset = 0;
      return new Map(ADAPTER_PATHS.map((p, i) => {
        const size = tf.util.sizeFromShape(shapes[i]);
        offset += size;
        return [p, tf.tensor(flat.slice(offset - size, offset), shapes[i])];
      }));
    };
    const theta = Float32Array.from(ADAPTER_PATHS.flatMap((p) => Array.from(model.getParameter(p).variable.dataSync())));
    const options = { loss: mseLoss, innerPaths: ADAPTER_PATHS, innerSteps: 2, innerLearningRate: 0.5, firstOrder: false };
    const run = (flat: Float32Array) => {
      const values = at(flat);
      const result = metaGradients(model, values, tasks, options);
      disposeParameterMap(values);
      return result;
    };
    const result = run(theta);
    const analytic = Float32Array.from(ADAPTER_PATHS.flatMap((p) => Array.from(result.parameters.get(p)!.dataSync())));
    const numeric = finiteDifferenceGradient((flat) => {
      const r = run(flat);
      disposeParameterMap(r.parameters);
      return r.loss;
    }, theta);
    expectClose(analytic, numeric, 2e-3, 3e-2);
    disposeParameterMap(result.parameters);
    tasks.forEach(disposeTask);
    model.dispose();
  });
});
