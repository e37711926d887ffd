/**
 * Gradients of the binary arithmetic kernels. Inputs broadcast, so every input
 * gradient is summed back to that input's shape.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asFloat, mask, one, unbroadcast } from './util';

const AB = ['a', 'b'];

export const arithmeticGradients: tf.GradConfig[] = [
  {
    kernelName: tf.Add,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(one(dy), a.shape),
      b: () => unbroadcast(one(dy), b.shape),
    }),
  },
  {
    kernelName: tf.Sub,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(one(dy), a.shape),
      b: () => unbroadcast(tf.neg(one(dy)), b.shape),
    }),
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(one(dy), asFloat(b)), a.shape),
      b: () => unbroadcast(tf.mul(one(dy), asFloat(a)), b.shape),
    }),
  },
  {
    kernelName: tf.RealDiv,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(one(dy), asFloat(b)), a.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(one(dy), asFloat(a)), tf.square(asFloat(b)))), b.shape),
    }),
  },
  {
    // floor(a / b) is piecewise constant: zero almost everywhere.
    kernelName: tf.FloorDiv,
    inputsToSave: AB,
    gradFunc: (_dy, [a, b]) => ({ a: () => tf.zeros(a.shape), b: () => tf.zeros(b.shape) }),
  },
  {
    // a mod b = a - floor(a / b) * b
    kernelName: tf.Mod,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(one(dy), a.shape),
      b: () => unbroadcast(tf.mul(one(dy), tf.neg(tf.floor(tf.div(asFloat(a), asFloat(b))))), b.shape),
    }),
  },
  {
    // Ties send the whole gradient to `a`, as TensorFlow does.
    kernelName: tf.Maximum,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(one(dy), mask(tf.greaterEqual(a, b))), a.shape),
      b: () => unbroadcast(tf.mul(one(dy), mask(tf.less(a, b))), b.shape),
    }),
  },
  {
    kernelName: tf.Minimum,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(one(dy), mask(tf.lessEqual(a, b))), a.shape),
      b: () => unbroadcast(tf.mul(one(dy), mask(tf.greater(a, b))), b.shape),
    }),
  },
  {
    kernelName: tf.SquaredDifference,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => {
      const twiceDiff = () => tf.mul(one(dy), tf.mul(tf.scalar(2), tf.sub(a, b)));
      return {
        a: () => unbroadcast(twiceDiff(), a.shape),
        b: () => unbroadcast(tf.neg(twiceDiff()), b.shape),
      };
    },
  },
  {
    // d(a^b)/da = b a^(b-1); d(a^b)/db = a^b ln a, taken as 0 where a <= 0 (ln undefined).
    kernelName: tf.Pow,
    inputsToSave: AB,
    // a^b is recomputed rather than saved, so second-order gradients keep its term.
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(one(dy), tf.mul(asFloat(b), tf.pow(asFloat(a), tf.sub(asFloat(b), tf.scalar(1))))), a.shape),
      b: () => {
        const positive = tf.greater(a, 0);
        const safeLog = tf.where(positive, tf.log(tf.where(positive, asFloat(a), tf.onesLike(asFloat(a)))), tf.zerosLike(asFloat(a)));
        return unbroadcast(tf.mul(one(dy), tf.mul(tf.pow(asFloat(a), asFloat(b)), safeLog)), b.shape);
      },
    }),
  },
  {
    kernelName: tf.Atan2,
    inputsToSave: AB,
    gradFunc: (dy, [a, b]) => {
      const denominator = () => tf.add(tf.square(a), tf.square(b));
      return {
        a: () => unbroadcast(tf.div(tf.mul(one(dy), b), denominator()), a.shape),
        b: () => unbroadcast(tf.div(tf.mul(one(dy), tf.neg(a)), denominator()), b.shape),
      };
    },
  },
  {
    // AddN has an array of inputs; the tape names them '0', '1', ...
    kernelName: tf.AddN,
    saveAllInputs: true,
    gradFunc: (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => tf.clone(one(dy))])),
  },
];
