import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../test/helpers';
import { MetaLearningOptionError } from '../errors';
import { disposeTask } from '../tensors';
import { SinusoidTaskSampler } from './sinusoid';

beforeAll(() => onBackend('cpu'));

test('tasks follow Finn et al.: A in [0.1, 5], phase in [0, pi], x in [-5, 5], y = A sin(x - phase)', () => {
  const sampler = new SinusoidTaskSampler({ shots: 5, queryShots: 7, seed: 4 });
  for (const task of sampler.sampleMany(200)) {
    expect(task.amplitude).toBeGreaterThanOrEqual(0.1);
    expect(task.amplitude).toBeLessThanOrEqual(5);
    expect(task.phase).toBeGreaterThanOrEqual(0);
    expect(task.phase).toBeLessThanOrEqual(Math.PI);
    expect(task.support.inputs.shape).toEqual([5, 1]);
    expect(task.query.targets.shape).toEqual([7, 1]);
    const xs = task.query.inputs.dataSync();
    const ys = task.query.targets.dataSync();
    xs.forEach((x, i) => {
      expect(Math.abs(x)).toBeLessThanOrEqual(5);
      expect(ys[i]).toBeCloseTo(task.amplitude * Math.sin(x - task.phase), 4);
    });
    disposeTask(task);
  }
  expect(tf.memory().numTensors).toBe(0);
});

test('a seed fixes the tasks; another seed gives others', () => {
  const draw = (seed: number) => {
    const task = new SinusoidTaskSampler({ seed }).sample();
    const values = [task.amplitude, task.phase, ...task.support.inputs.dataSync()];
    disposeTask(task);
    return values;
  };
  expect(draw(1)).toEqual(draw(1));
  expect(draw(1)).not.toEqual(draw(2));
});

test('bad options are typed errors', () => {
  expect(() => new SinusoidTaskSampler({ shots: 0 })).toThrow(MetaLearningOptionError);
  expect(() => new SinusoidTaskSampler({ amplitudeRange: [5, 0.1] })).toThrow(MetaLearningOptionError);
});
