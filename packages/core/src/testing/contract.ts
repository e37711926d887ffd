/**
 * The contract every PEFT method must keep, as one suite that each method
 * package runs on its methods (as peft's test_custom_models.py does):
 *
 * - the forward pass runs every adapter layer the method put into the model
 *   (the base model does not call children it captured before they were replaced);
 * - training changes only adapter and modules_to_save parameters;
 * - with adapters disabled the output equals the base output exactly;
 * - merged output equals unmerged output within float tolerance, and unmerging
 *   restores the base weights (or, for methods that cannot merge, merging is a
 *   NotMergeableError that leaves the model as it was);
 * - save then load into a fresh base gives identical outputs;
 * - two adapters coexist and switching between them switches outputs;
 * - unload gives back the base model, exactly;
 * - a training step leaks no tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// The package itself, not relative paths: the kit is a separate entry point and
// must share core's classes and registry rather than bundle copies of them.
import { Generator, NotMergeableError, PeftModel, getPeftModel, init, isAdapterLayer, type Module } from '@peftjs/core';
import { expectEveryAdapterLayerCalled } from './adapter-calls';
import { testGlobals } from './test-globals';

export interface ContractCase<In, Out> {
  /** Shown in test names. */
  name: string;
  /** A fresh base model; every call must give the same weights (seed it). */
  makeBase(): Module<In, Out>;
  /** A model input. Tensors in it are disposed by the kit after each test. */
  makeInput(): In;
  /** The adapter config (peft's keys). */
  config: Record<string, unknown>;
  /** A second config for the coexistence test (defaults to `config`). */
  otherConfig?: Record<string, unknown>;
  /** A scalar training loss of an output. Defaults to the mean square of a tensor output. */
  loss?(output: Out): tf.Scalar;
  /** The output as numbers. Defaults to the data of a tensor output. */
  read?(output: Out): number[];
  /** Whether the method can merge (the kit then checks merge equivalence; else that merging fails cleanly). */
  mergeable: boolean;
  /** Tolerance of merged against unmerged outputs. Default 1e-4 (absolute, plus the same relative). */
  mergeTolerance?: number;
  /** Standard deviation used to move adapter parameters off their identity initialisation. Default 0.1. */
  perturbation?: number;
}

function tensorsOf(value: unknown): tf.Tensor[] {
  if (value instanceof tf.Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap(tensorsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(tensorsOf);
  return [];
}

function maxAbsDifference(a: number[], b: number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((worst, v, i) => Math.max(worst, Math.abs(v - b[i])), 0);
}

export function runPeftContractTests<In, Out>(spec: ContractCase<In, Out>): void {
  const { describe, test, expect } = testGlobals();
  const read = spec.read ?? ((output: Out) => Array.from((output as unknown as tf.Tensor).dataSync()));
  const loss = spec.loss ?? ((output: Out) => tf.mean(tf.square(output as unknown as tf.Tensor)) as tf.Scalar);
  const tolerance = spec.mergeTolerance ?? 1e-4;

  /** Runs the model on a fresh input and returns the numbers, freeing every tensor it made. */
  const outputOf = (model: Module<In, Out>): number[] => {
    const input = spec.makeInput();
    try {
      return tf.tidy(() => read(model.call(input)));
    } finally {
      tf.dispose(tensorsOf(input));
    }
  };

  /** Moves an adapter off its initialisation (which is often the identity), deterministically. */
  const perturb = (model: PeftModel<In, Out>, adapterName: string, seed: number) => {
    const rng = new Generator(seed);
    for (const [, parameter] of model.adapterState(adapterName)) {
      const noise = init.normal(parameter.shape, 0, spec.perturbation ?? 0.1, rng);
      const moved = tf.add(parameter.variable, noise);
      parameter.assign(moved);
      tf.dispose([noise, moved]);
    }
  };

  const snapshot = (model: Module<In, Out>) => new Map(model.namedParameters().map(([p, v]) => [p, Array.from(v.variable.dataSync())]));

  const sgdStep = (model: PeftModel<In, Out>, learningRate = 0.05) => {
    const input = spec.makeInput();
    const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => loss(model.call(input)), variables);
      for (const variable of variables) variable.assign(tf.sub(variable, tf.mul(learningRate, grads[variable.name])));
    });
    tf.dispose(tensorsOf(input));
  };

  describe(`PEFT contract: ${spec.name}`, () => {
    test('the forward pass runs every adapter layer the method put into the model', () => {
      for (const config of new Set([spec.config, spec.otherConfig ?? spec.config])) {
        const model = getPeftModel(spec.makeBase(), config);
        try {
          expectEveryAdapterLayerCalled(model, () => outputOf(model));
        } finally {
          model.dispose();
        }
      }
    });

    test('training changes only adapter (and modules_to_save) parameters, and at least one of them', () => {
      const model = getPeftModel(spec.makeBase(), spec.config);
      perturb(model, 'default', 1);
      const adapterPaths = new Set(model.adapterState('default').map(([p]) => p));
      const trainable = model.namedParameters().filter(([, p]) => p.trainable).map(([p]) => p);
      expect(trainable.every((p) => adapterPaths.has(p))).toBe(true);
      const before = snapshot(model);
      for (let i = 0; i < 3; i++) sgdStep(model);
      const changed = [...snapshot(model)].filter(([p, values]) => maxAbsDifference(values, before.get(p)!) > 0).map(([p]) => p);
      expect(changed.filter((p) => !adapterPaths.has(p))).toEqual([]);
      expect(changed.length).toBeGreaterThan(0);
      model.dispose();
    });

    test('with adapters disabled the output equals the base output exactly', () => {
      const base = spec.makeBase();
      const expected = outputOf(base);
      const model = getPeftModel(base, spec.config);
      perturb(model, 'default', 2);
      expect(maxAbsDifference(outputOf(model), expected)).toBeGreaterThan(0);
      expect(model.disableAdapters(() => outputOf(model))).toEqual(expected);
      expect(maxAbsDifference(outputOf(model), expected)).toBeGreaterThan(0);
      model.dispose();
    });

    if (spec.mergeable) {
      test('merged output equals unmerged output, and unmerging restores the base weights', () => {
        const model = getPeftModel(spec.makeBase(), spec.config);
        perturb(model, 'default', 3);
        const unmerged = outputOf(model);
        const baseWeights = snapshot(model.baseModel);
        model.mergeAdapter();
        expect(maxAbsDifference(outputOf(model), unmerged)).toBeLessThanOrEqual(tolerance * (1 + Math.max(...unmerged.map(Math.abs))));
        // Disabling a merged adapter must still give the base output.
        const baseOutput = model.disableAdapters(() => outputOf(model));
        model.unmergeAdapter();
        const restored = snapshot(model.baseModel);
        for (const [p, values] of baseWeights) expect([p, maxAbsDifference(restored.get(p)!, values) <= tolerance]).toEqual([p, true]);
        expect(maxAbsDifference(outputOf(model), unmerged)).toBeLessThanOrEqual(tolerance * (1 + Math.max(...unmerged.map(Math.abs))));
        const plain = model.disableAdapters(() => outputOf(model));
        expect(maxAbsDifference(baseOutput, plain)).toBeLessThanOrEqual(tolerance * (1 + Math.max(...plain.map(Math.abs))));
        const merged = model.mergeAndUnload();
        expect(merged.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
        expect(maxAbsDifference(outputOf(merged), unmerged)).toBeLessThanOrEqual(tolerance * (1 + Math.max(...unmerged.map(Math.abs))));
        merged.dispose();
      });
    } else {
      test('merging is a NotMergeableError and leaves the model as it was', () => {
        const model = getPeftModel(spec.makeBase(), spec.config);
        perturb(model, 'default', 3);
        const before = outputOf(model);
        expect(() => model.mergeAdapter()).toThrow(NotMergeableError);
        expect(() => model.mergeAndUnload()).toThrow(NotMergeableError);
        expect(outputOf(model)).toEqual(before);
        model.dispose();
      });
    }

    test('save then load into a fresh base gives identical outputs', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-contract-'));
      try {
        const model = getPeftModel(spec.makeBase(), spec.config);
        perturb(model, 'default', 4);
        const expected = outputOf(model);
        await model.saveAdapter(directory);
        model.dispose();
        const loaded = await PeftModel.fromPretrained(spec.makeBase(), directory);
        expect(outputOf(loaded)).toEqual(expected);
        expect(loaded.parameters().some((p) => p.trainable)).toBe(false);
        loaded.dispose();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });

    test('two adapters coexist, and switching between them switches outputs', () => {
      const model = getPeftModel(spec.makeBase(), spec.config, 'first');
      model.addAdapter('second', spec.otherConfig ?? spec.config);
      perturb(model, 'first', 5);
      perturb(model, 'second', 6);
      const first = outputOf(model);
      model.setAdapter('second');
      const second = outputOf(model);
      expect(maxAbsDifference(first, second)).toBeGreaterThan(0);
      const secondPaths = new Set(model.adapterState('second').map(([p]) => p));
      expect(model.namedParameters().filter(([, p]) => p.trainable).every(([p]) => secondPaths.has(p))).toBe(true);
      model.setAdapter('first');
      expect(outputOf(model)).toEqual(first);
      model.deleteAdapter('second');
      expect(model.adapterNames).toEqual(['first']);
      expect(outputOf(model)).toEqual(first);
      model.dispose();
    });

    test('unload gives back the base model, with the base output and no adapter layer', () => {
      const base = spec.makeBase();
      const expected = outputOf(base);
      const model = getPeftModel(base, spec.config);
      perturb(model, 'default', 7);
      const unloaded = model.unload();
      expect(unloaded).toBe(base);
      expect(unloaded.namedModules().some(([, m]) => isAdapterLayer(m))).toBe(false);
      expect(outputOf(unloaded)).toEqual(expected);
      unloaded.dispose();
    });

    test('a training step and a forward pass leak no tensors', () => {
      const model = getPeftModel(spec.makeBase(), spec.config);
      sgdStep(model);
      const before = tf.memory().numTensors;
      sgdStep(model);
      outputOf(model);
      model.disableAdapters(() => outputOf(model));
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });
  });
}
