/** LoHa's dropouts, mixed batches, memory and typed errors (the suite shared with LoKr). */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, PeftError, getPeftModel } from '@peftjs/core';
import { describeLycorisBehaviour } from '../../test/lycoris-behaviour';
import { makeMlp, onBackend } from '../../test/helpers';

beforeAll(() => onBackend('cpu'));

describeLycorisBehaviour({ method: 'LOHA', config: { r: 3, alpha: 6, init_weights: false } });

test("peft's ABBA options, which change what LoHa computes, are refused naming the key", () => {
  const make = (extra: Record<string, unknown>) => () => getPeftModel(makeMlp(), { peft_type: 'LOHA', target_modules: ['head'], ...extra });
  expect(make({ init_weights: 'abba' })).toThrow(InvalidArgumentError);
  expect(make({ init_weights: 'abba' })).toThrow(`LOHA config 'init_weights': "abba" (SVD initialisation from the base weight) is not supported by peftjs; expected true or false`);
  expect(make({ use_khatri_rao: true })).toThrow(`LOHA config: 'use_khatri_rao' (ABBA Khatri-Rao scaling) is not supported by peftjs, found true`);
  expect(make({ r: 4, r2: 2 })).toThrow(`LOHA config: 'r2' (a second Hadamard rank) is not supported by peftjs, found 2`);
  // Their neutral values, as peft writes them, are fine.
  make({ use_khatri_rao: 'auto', r2: null })().dispose();
  make({ r: 4, r2: 4, use_khatri_rao: false })().dispose();
});

test('a hostile rank is a typed error before any tensor is made (LoKr needs none: a large r only means full matrices)', () => {
  const before = tf.memory().numTensors;
  const base = makeMlp();
  const made = tf.memory().numTensors;
  expect(() => getPeftModel(base, { peft_type: 'LOHA', r: 2 ** 31, target_modules: ['head'] })).toThrow(PeftError);
  expect(tf.memory().numTensors).toBe(made);
  expect(made).toBeGreaterThan(before);
  base.dispose();
});
