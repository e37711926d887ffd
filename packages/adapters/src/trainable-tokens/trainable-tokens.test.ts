import * as tf from '@tensorflow/tfjs-core';
import { AdapterStateError, InvalidArgumentError, PeftModel, ShapeMismatchError, forwardMixedBatch, adapterFileNames, adapterFileState, getPeftModel, loadAdapterFiles, saveAdapterFiles, type Module, type Parameter } from '@peftjs/core';
import { runPeftContractTests } from '@peftjs/core/testing';
import type { GPT2LMHeadModel } from '@peftjs/models';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectGradientsMatchFiniteDifferences, logitsLoss, makeGpt2, onBackend, perturb, readLogits, tokenInput } from '../../test/helpers';
import { TokenIndicesError, UnsupportedTargetError } from '../errors';
import { TrainableTokensLayer } from './layer';

beforeAll(() => onBackend('cpu'));

const TOKENS = [3, 10, 17];
const TT = { peft_type: 'TRAINABLE_TOKENS', token_indices: TOKENS };
const WTE = 'transformer.wte';

type Peft = PeftModel<never, unknown>;
const logitsOf = (model: Module<never, unknown>): number[] => {
  const input = tokenInput();
  try {
    return tf.tidy(() => readLogits((model as unknown as Module).call(input as never) as never));
  } finally {
    tf.dispose(input.inputIds);
  }
};
const values = (p: Parameter | tf.Tensor) => Array.from((p instanceof tf.Tensor ? p : p.variable).dataSync());
const rowsOf = (table: tf.Tensor, rows: number[]) => tf.tidy(() => Array.from(tf.gather(table, tf.tensor1d(rows, 'int32')).dataSync()));
const delta = (model: PeftModel<never, unknown>, adapter = 'default') => model.adapterState(adapter)[0][1];

describe('TRAINABLE_TOKENS', () => {
  test("targets the input embedding by default (its path, as peft's _get_input_embeddings_name); the tied lm_head follows it", () => {
    const model = getPeftModel(makeGpt2(), TT);
    expect(model.peftConfig.default.target_modules).toBe(WTE);
    const wte = model.baseModel.getSubmodule(WTE) as unknown as TrainableTokensLayer;
    const head = model.baseModel.getSubmodule('lm_head') as unknown as TrainableTokensLayer;
    expect(head.source).toBe(wte);
    expect(model.adapterState('default').map(([name, p]) => `${name} [${p.shape}]`)).toEqual(['base_model.model.transformer.wte.trainable_tokens_delta.default [3,16]']);
    // Starts as a copy of the rows (peft's init_weights true): a no-op until trained.
    expect(values(delta(model))).toEqual(rowsOf(wte.weight.variable, TOKENS));
    expect(model.countParameters().trainable).toBe(48);
    // peft's files: the rows under the embedding, and again under the tied head (a shared tensor, cloned on save).
    const state = adapterFileState(model as Peft, 'default');
    expect(Object.keys(state.tensors)).toEqual(['base_model.model.transformer.wte.trainable_tokens_delta', 'base_model.model.lm_head.trainable_tokens_delta']);
    state.dispose();
    model.dispose();
  });

  test('logits use the trained rows in both places: the input embedding and the tied output head', () => {
    const model = getPeftModel(makeGpt2(), TT);
    perturb(model.adapterState('default'), 1);
    // By hand: the base model with those rows written into its (shared) weight gives exactly the same logits.
    const byHand = makeGpt2();
    const weight = byHand.getParameter(`${WTE}.weight`);
    const table = tf.tidy(() => {
      const w = tf.buffer(weight.shape, 'float32', weight.variable.dataSync() as Float32Array);
      const rows = delta(model).variable.arraySync() as number[][];
      TOKENS.forEach((token, j) => rows[j].forEach((v, k) => w.set(v, token, k)));
      return w.toTensor();
    });
    weight.assign(table);
    expect(logitsOf(model as never)).toEqual(logitsOf(byHand as never));
    // The head itself: logits = hidden @ W'^T, which differs from the untrained head exactly in the trained tokens' columns.
    const input = tokenInput();
    const [ours, newHead, oldHead] = tf.tidy(() => {
      const gpt2 = model.baseModel as unknown as GPT2LMHeadModel;
      const hidden = gpt2.transformer.call(input).lastHiddenState;
      const old = (model.baseModel.getSubmodule(WTE) as unknown as TrainableTokensLayer).weight.variable;
      return [(model.call(input as never) as { logits: tf.Tensor }).logits, tf.matMul(hidden, table, false, true), tf.matMul(hidden, old, false, true)].map((t) => t.arraySync() as number[][][]);
    });
    expect(ours).toEqual(newHead);
    const changedColumns = new Set<number>();
    oldHead.forEach((row, b) => row.forEach((position, s) => position.forEach((v, token) => v !== ours[b][s][token] && changedColumns.add(token))));
    expect([...changedColumns].sort((a, b) => a - b)).toEqual(TOKENS);
    tf.dispose([input.inputIds, table]);
    model.dispose();
    byHand.dispose();
  });

  test('gradients reach only the trained rows (finite differences agree); the base weight is bit-identical after a step; no leak', () => {
    const model = getPeftModel(makeGpt2(), { ...TT, token_indices: [5] });
    const input = tokenInput();
    const loss = () => logitsLoss(model.call(input as never) as never);
    expectGradientsMatchFiniteDifferences(model.adapterState('default'), loss, { epsilon: 1e-2, atol: 2e-3, rtol: 2e-2 });
    const base = values(model.baseModel.getParameter(`${WTE}.base_layer.weight`));
    const start = values(delta(model));
    const before = tf.memory().numTensors;
    const trainable = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    expect(trainable).toEqual([delta(model).variable]);
    tf.tidy(() => {
      const { grads } = tf.variableGrads(loss, trainable);
      for (const v of trainable) v.assign(tf.sub(v, tf.mul(0.5, grads[v.name])));
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(values(model.baseModel.getParameter(`${WTE}.base_layer.weight`))).toEqual(base);
    expect(values(delta(model))).not.toEqual(start);
    tf.dispose(input.inputIds);
    model.dispose();
  });

  test('merge writes the rows into the (shared) weight and unmerge writes the originals back, bit for bit', () => {
    // Added inside a tidy scope: the kept originals must outlive it.
    tf.engine().startScope();
    const model = getPeftModel(makeGpt2(), TT);
    tf.engine().endScope();
    perturb(model.adapterState('default'), 2);
    const weight = (model.baseModel.getSubmodule(WTE) as unknown as TrainableTokensLayer).weight;
    const base = values(weight);
    const unmerged = logitsOf(model as never);
    const before = tf.memory().numTensors;
    model.mergeAdapter();
    expect(rowsOf(weight.variable, TOKENS)).toEqual(values(delta(model)));
    expect(logitsOf(model as never)).toEqual(unmerged);
    model.unmergeAdapter();
    expect(values(weight)).toEqual(base);
    expect(tf.memory().numTensors).toBe(before);
    const unloaded = model.mergeAndUnload();
    expect(unloaded.namedModules().some(([, m]) => m instanceof TrainableTokensLayer)).toBe(false);
    expect(logitsOf(unloaded as never)).toEqual(unmerged);
    unloaded.dispose();
  });

  test('init_weights false starts the rows from N(0, 1); unmerging still restores the base rows (not the random start)', () => {
    const model = getPeftModel(makeGpt2(), { ...TT, token_indices: Array.from({ length: 20 }, (_, i) => i), init_weights: false });
    const weight = (model.baseModel.getSubmodule(WTE) as unknown as TrainableTokensLayer).weight;
    const base = values(weight);
    const start = values(delta(model));
    const mean = start.reduce((a, b) => a + b, 0) / start.length;
    const std = Math.sqrt(start.reduce((a, b) => a + (b - mean) ** 2, 0) / start.length);
    // 320 draws: the sample mean is within 4 standard errors of 0, the deviation near 1 (the base rows have std 0.02).
    expect(Math.abs(mean)).toBeLessThan(4 / Math.sqrt(320));
    expect(std).toBeGreaterThan(0.8);
    expect(std).toBeLessThan(1.2);
    model.mergeAdapter();
    model.unmergeAdapter();
    expect(values(weight)).toEqual(base);
    model.dispose();
  });

  test('adapters with disjoint tokens run and merge together; overlapping ones are a TokenIndicesError; delete frees the rows', () => {
    const model = getPeftModel(makeGpt2(), TT, 'a');
    model.addAdapter('b', { ...TT, token_indices: [4, 20] });
    model.addAdapter('c', { ...TT, token_indices: [10] });
    for (const name of ['a', 'b', 'c']) perturb(model.adapterState(name), name.charCodeAt(0));
    model.setAdapter(['a', 'b']);
    const both = logitsOf(model as never);
    model.mergeAdapter();
    expect(logitsOf(model as never)).toEqual(both);
    model.unmergeAdapter();
    model.setAdapter(['a', 'c']);
    expect(() => logitsOf(model as never)).toThrow(TokenIndicesError);
    expect(() => logitsOf(model as never)).toThrow("adapters 'a' and 'c' both train token 10; adapters used together must train disjoint tokens");
    model.setAdapter('a');
    const before = tf.memory().numTensors;
    model.deleteAdapter('b');
    model.deleteAdapter('c');
    // Each adapter held its rows and the originals they replace.
    expect(tf.memory().numTensors).toBe(before - 4);
    model.deleteAdapter('a');
    expect(model.baseModel.getSubmodule('lm_head')).not.toBeInstanceOf(TrainableTokensLayer);
    model.dispose();
  });

  test("a mixed-adapter batch gives each row its adapter's tokens (or none for __base__), at the input and the tied head", () => {
    const model = getPeftModel(makeGpt2(), TT, 'a');
    model.addAdapter('b', { ...TT, token_indices: [TOKENS[0], 20] });
    perturb(model.adapterState('a'), 7);
    perturb(model.adapterState('b'), 8);
    const input = tokenInput(3);
    const rowsAlone = (names: string[]) =>
      names.map((name, row) => {
        const run = () => tf.tidy(() => Array.from(tf.gather((model.call(input as never) as { logits: tf.Tensor }).logits, [row]).dataSync()));
        if (name === '__base__') return model.disableAdapters(run);
        model.setAdapter(name);
        return run();
      });
    const names = ['b', '__base__', 'a'];
    const mixed = tf.tidy(() => (forwardMixedBatch(model, input as never, names) as { logits: tf.Tensor }).logits.arraySync() as number[][][]);
    expect(mixed.map((row) => row.flat())).toEqual(rowsAlone(names));
    model.mergeAdapter(['a']);
    expect(() => forwardMixedBatch(model, input as never, names)).toThrow(AdapterStateError);
    tf.dispose(input.inputIds);
    model.dispose();
  });

  test('bad input is a typed error naming what was expected and found, and leaves the model as it was', () => {
    const base = makeGpt2();
    const names = base.namedModules().map(([n]) => n);
    const cases: Array<[Record<string, unknown>, unknown, string]> = [
      [{ token_indices: [1, 30] }, TokenIndicesError, "TRAINABLE_TOKENS 'transformer.wte': expected integer token indices in [0, 30) (the embedding's rows), found [30]"],
      [{ token_indices: [-1, 40] }, TokenIndicesError, 'found [-1, 40]'],
      [{ token_indices: [2.5] }, InvalidArgumentError, "config 'token_indices': expected a list of integers, found [2.5]"],
      [{ token_indices: [4, 4] }, TokenIndicesError, 'expected each token index once, found [4] more than once'],
      [{ token_indices: [] }, TokenIndicesError, 'expected a non-empty list of token indices, found an empty list'],
      [{ token_indices: [1], target_modules: ['ln_f'] }, UnsupportedTargetError, "TRAINABLE_TOKENS: 'transformer.ln_f' is a LayerNorm; expected an Embedding"],
    ];
    for (const [config, type, message] of cases) {
      const make = () => getPeftModel(base, { peft_type: 'TRAINABLE_TOKENS', ...config });
      expect(make).toThrow(type as never);
      expect(make).toThrow(message);
      expect(base.namedModules().map(([n]) => n)).toEqual(names);
    }
    base.dispose();
  });

  test("a file with peft's key names and adapter_config.json loads tensor for tensor and saves back the same keys and config", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-tt-'));
    const again = await mkdtemp(path.join(tmpdir(), 'peftjs-tt-again-'));
    try {
      // As peft 0.17's TrainableTokensConfig.to_dict() writes it, target_modules filled in by _prepare_adapter_config.
      const config = {
        auto_mapping: null,
        base_model_name_or_path: 'gpt2',
        inference_mode: true,
        init_weights: true,
        peft_type: 'TRAINABLE_TOKENS',
        revision: null,
        target_modules: WTE,
        task_type: 'CAUSAL_LM',
        token_indices: TOKENS,
      };
      const rows = tf.tensor2d(Array.from({ length: 48 }, (_, i) => Math.sin(i)), [3, 16]);
      const tensors = { 'base_model.model.transformer.wte.trainable_tokens_delta': rows, 'base_model.model.lm_head.trainable_tokens_delta': tf.clone(rows) };
      await saveAdapterFiles(directory, { config, tensors });
      const model = await PeftModel.fromPretrained(makeGpt2(), directory);
      expect(values(adapterFileNames(model as never, 'default').get('base_model.model.transformer.wte.trainable_tokens_delta')![1])).toEqual(values(rows));
      await model.saveAdapter(again);
      const written = await loadAdapterFiles(again);
      expect(Object.keys(written.tensors).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, tensor] of Object.entries(written.tensors)) expect([name, values(tensor)]).toEqual([name, values(rows)]);
      expect(JSON.parse(await readFile(path.join(again, 'adapter_config.json'), 'utf8'))).toEqual(config);
      // The copy may be left out; a copy of another shape is a ShapeMismatchError.
      await saveAdapterFiles(directory, { config, tensors: { 'base_model.model.transformer.wte.trainable_tokens_delta': rows } });
      const onlyRows = await PeftModel.fromPretrained(makeGpt2(), directory);
      expect(values(delta(onlyRows as never))).toEqual(values(rows));
      onlyRows.dispose();
      const odd = { ...tensors, 'base_model.model.lm_head.trainable_tokens_delta': tf.zeros([2, 16]) };
      await saveAdapterFiles(directory, { config, tensors: odd });
      await expect(PeftModel.fromPretrained(makeGpt2(), directory)).rejects.toThrow(ShapeMismatchError);
      tf.dispose([rows, ...Object.values(tensors), ...Object.values(written.tensors), odd['base_model.model.lm_head.trainable_tokens_delta']]);
      model.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
      await rm(again, { recursive: true, force: true });
    }
  });
});

runPeftContractTests({
  name: 'TRAINABLE_TOKENS on GPT-2 (the input embedding, lm_head tied)',
  makeBase: () => makeGpt2(),
  makeInput: () => tokenInput(),
  read: readLogits,
  loss: logitsLoss,
  config: TT,
  otherConfig: { ...TT, token_indices: [0, 10, 24] },
  mergeable: true,
});
