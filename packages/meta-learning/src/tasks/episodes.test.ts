import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '@peftjs/core';
import { onBackend } from '../../test/helpers';
import { EpisodeSizeError, MetaLearningOptionError } from '../errors';
import { disposeTask } from '../tensors';
import { EpisodeSampler, episodeSamplers, splitClasses } from './episodes';

beforeAll(() => onBackend('cpu'));

/** 8 classes of 6 examples each; example i of class c has features [c, i], so rows can be traced back. */
function dataset() {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let c = 0; c < 8; c++) {
    for (let i = 0; i < 6; i++) {
      rows.push([c, i]);
      labels.push(c);
    }
  }
  return { examples: tf.tensor2d(rows), labels };
}

test('an N-way K-shot episode has K support and Q query examples per class, labels remapped to 0..N-1', () => {
  const data = dataset();
  const sampler = new EpisodeSampler(data, { ways: 3, shots: 2, queryShots: 3, classes: [0, 1, 2, 3, 4], seed: 7 });
  for (let e = 0; e < 20; e++) {
    const episode = sampler.sample();
    expect(episode.classes).toHaveLength(3);
    expect(new Set(episode.classes).size).toBe(3);
    expect(episode.support.inputs.shape).toEqual([6, 2]);
    expect(episode.query.inputs.shape).toEqual([9, 2]);
    const check = (inputs: tf.Tensor, targets: tf.Tensor) => {
      const rows = inputs.arraySync() as number[][];
      const labels = Array.from(targets.dataSync());
      rows.forEach(([c], i) => expect(episode.classes[labels[i]]).toBe(c));
      return rows.map(([c, i]) => `${c}:${i}`);
    };
    const support = check(episode.support.inputs, episode.support.targets);
    const query = check(episode.query.inputs, episode.query.targets);
    expect(new Set([...support, ...query]).size).toBe(15); // no example twice
    expect([...new Set(episode.support.targets.dataSync())].sort()).toEqual([0, 1, 2]);
    disposeTask(episode);
  }
  data.examples.dispose();
});

test('episodes are seeded, and meta-train and meta-test samplers use disjoint classes', () => {
  const data = dataset();
  const split = splitClasses(data.labels, 3, 1);
  expect(split.metaTestClasses).toHaveLength(3);
  expect(split.metaTrainClasses.filter((c) => split.metaTestClasses.includes(c))).toEqual([]);
  const draw = () => {
    const { metaTrain, metaTest } = episodeSamplers(data, { ...split, ways: 3, shots: 1, seed: 5 });
    const a = metaTrain.sample();
    const b = metaTest.sample();
    const out = { train: a.classes, test: b.classes, rows: Array.from(a.support.inputs.dataSync()) };
    [a, b].forEach(disposeTask);
    return out;
  };
  const first = draw();
  expect(draw()).toEqual(first);
  expect(first.train.every((c) => split.metaTrainClasses.includes(c))).toBe(true);
  expect(first.test.every((c) => split.metaTestClasses.includes(c))).toBe(true);
  expect(() => episodeSamplers(data, { metaTrainClasses: [0, 1, 2], metaTestClasses: [2, 3], ways: 2, shots: 1 })).toThrow(MetaLearningOptionError);
  data.examples.dispose();
});

test('K larger than a class has, or N larger than the classes available, are typed errors', () => {
  const data = dataset();
  expect(() => new EpisodeSampler(data, { ways: 2, shots: 5, queryShots: 2, classes: [0, 1] })).toThrow(EpisodeSizeError);
  expect(() => new EpisodeSampler(data, { ways: 2, shots: 5, queryShots: 2, classes: [0, 1] })).toThrow(/class 0: expected at least 7 examples \(5 support \+ 2 query\), found 6/);
  expect(() => new EpisodeSampler(data, { ways: 4, shots: 1, classes: [0, 1, 2] })).toThrow(/4-way episodes: expected at least 4 classes to draw from, found 3/);
  expect(() => new EpisodeSampler(data, { ways: 2, shots: 1, classes: [0, 99] })).toThrow(EpisodeSizeError);
  expect(() => new EpisodeSampler({ examples: data.examples, labels: [0, 1] }, { ways: 2, shots: 1, classes: [0, 1] })).toThrow(ShapeMismatchError);
  expect(() => new EpisodeSampler(data, { ways: 0, shots: 1, classes: [0, 1] })).toThrow(MetaLearningOptionError);
  expect(() => splitClasses(data.labels, 8)).toThrow(MetaLearningOptionError);
  data.examples.dispose();
});
