/** LoRA's `trainable_token_indices`: peft's TrainableTokensWrapper next to the LoRA layers, tied lm_head included. */
import * as tf from '@tensorflow/tfjs-core';
import '@peftjs/lora';
import {
  Embedding,
  InvalidArgumentError,
  Linear,
  NotFoundError,
  PeftModel,
  Sequential,
  adapterFileNames,
  getPeftModel,
  loadAdapterFiles,
  manualSeed,
  saveAdapterFiles,
  setWarningHandler,
  type Module,
  type Parameter,
} from '@peftjs/core';
import { runPeftContractTests } from '@peftjs/core/testing';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expectClose, logitsLoss, makeGpt2, onBackend, perturb, readLogits, tokenInput } from '../../test/helpers';
import { TokenIndicesError } from '../errors';
import { TrainableTokensWrapper } from './wrapper';

beforeAll(() => onBackend('cpu'));

const TOKENS = [3, 10];
const LORA = { peft_type: 'LORA', r: 2, lora_alpha: 4, target_modules: ['c_attn'], fan_in_fan_out: true };
const WITH_TOKENS = { ...LORA, trainable_token_indices: TOKENS };
const DELTA = 'base_model.model.transformer.wte.token_adapter.trainable_tokens_delta';

const logitsOf = (model: Module<never, unknown>): number[] => {
  const input = tokenInput();
  try {
    return tf.tidy(() => readLogits((model as unknown as Module).call(input as never) as never));
  } finally {
    tf.dispose(input.inputIds);
  }
};
const rowsEqual = (a: tf.Tensor, b: tf.Tensor, row: number) => tf.tidy(() => tf.all(tf.equal(tf.gather(a, [row]), tf.gather(b, [row]))).dataSync()[0] === 1);
const values = (p: Parameter | tf.Tensor) => Array.from((p instanceof tf.Tensor ? p : p.variable).dataSync());

describe("LoRA with trainable_token_indices (peft's TrainableTokensWrapper)", () => {
  test("wraps the input embedding and the tied lm_head; the rows are peft's token_adapter.trainable_tokens_delta, saved once", () => {
    const model = getPeftModel(makeGpt2(), WITH_TOKENS);
    const wte = model.baseModel.getSubmodule('transformer.wte');
    const head = model.baseModel.getSubmodule('lm_head') as unknown as TrainableTokensWrapper;
    expect(wte).toBeInstanceOf(TrainableTokensWrapper);
    expect(head.tokenAdapter.source).toBe((wte as unknown as TrainableTokensWrapper).tokenAdapter);
    const names = [...adapterFileNames(model as never, 'default').keys()];
    expect(names.filter((n) => n.includes('trainable_tokens'))).toEqual([DELTA]);
    expect(names).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    expect(model.adapterState('default').find(([n]) => n.includes('trainable_tokens'))![1].shape).toEqual([2, 16]);
    model.dispose();
  });

  test('forward equals LoRA alone on a base whose rows were written by hand (input and tied head), within float error', () => {
    const model = getPeftModel(makeGpt2(), WITH_TOKENS);
    perturb(model.adapterState('default'), 1);
    const rows = model.adapterState('default').find(([n]) => n.includes('trainable_tokens'))![1];
    const byHand = makeGpt2();
    const weight = byHand.getParameter('transformer.wte.weight');
    const table = tf.tidy(() => {
      const w = tf.buffer(weight.shape, 'float32', weight.variable.dataSync() as Float32Array);
      (rows.variable.arraySync() as number[][]).forEach((row, j) => row.forEach((v, k) => w.set(v, TOKENS[j], k)));
      return w.toTensor();
    });
    weight.assign(table);
    const lora = getPeftModel(byHand, LORA);
    const ours = new Map(model.adapterState('default').map(([n, p]) => [n, p]));
    for (const [name, p] of lora.adapterState('default')) p.assign(ours.get(name)!.variable);
    expectClose(logitsOf(model as never), logitsOf(lora as never), 1e-6);
    tf.dispose(table);
    model.dispose();
    lora.dispose();
  });

  test('a training step moves the LoRA factors and the rows only (the embedding bit-identical); merge and unload keep the logits', () => {
    const model = getPeftModel(makeGpt2(), WITH_TOKENS);
    perturb(model.adapterState('default'), 2);
    const embedding = model.baseModel.getParameter('transformer.wte.token_adapter.base_layer.weight');
    const base = values(embedding);
    const input = tokenInput();
    const trainable = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
    expect(trainable.length).toBe(model.adapterState('default').length);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => logitsLoss(model.call(input as never) as never), trainable);
      for (const v of trainable) v.assign(tf.sub(v, tf.mul(0.5, grads[v.name])));
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(values(embedding)).toEqual(base);
    tf.dispose(input.inputIds);
    const unmerged = logitsOf(model as never);
    const merged = model.mergeAndUnload();
    expect(merged.getSubmodule('transformer.wte')).toBeInstanceOf(Embedding);
    expect(merged.namedModules().some(([, m]) => m instanceof TrainableTokensWrapper)).toBe(false);
    expectClose(logitsOf(merged as never), unmerged, 1e-5);
    merged.dispose();
  });

  test("a file as peft writes it (LoRA keys and the wrapper's rows) loads tensor for tensor and saves back the same keys and config", async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-tt-'));
    const again = await mkdtemp(path.join(tmpdir(), 'peftjs-lora-tt-again-'));
    try {
      // peft 0.17's LoraConfig.to_dict(), as save_pretrained writes it.
      const config = {
        alpha_pattern: {},
        auto_mapping: null,
        base_model_name_or_path: 'gpt2',
        bias: 'none',
        corda_config: null,
        eva_config: null,
        exclude_modules: null,
        fan_in_fan_out: true,
        inference_mode: true,
        init_lora_weights: true,
        layer_replication: null,
        layers_pattern: null,
        layers_to_transform: null,
        loftq_config: {},
        lora_alpha: 4,
        lora_bias: false,
        lora_dropout: 0.0,
        megatron_config: null,
        megatron_core: 'megatron.core',
        modules_to_save: null,
        peft_type: 'LORA',
        qalora_group_size: 16,
        r: 2,
        rank_pattern: {},
        revision: null,
        target_modules: ['c_attn'],
        target_parameters: null,
        task_type: 'CAUSAL_LM',
        trainable_token_indices: TOKENS,
        use_dora: false,
        use_qalora: false,
        use_rslora: false,
      };
      const tensors: Record<string, tf.Tensor> = { [DELTA]: tf.tensor2d(Array.from({ length: 32 }, (_, i) => Math.cos(i)), [2, 16]) };
      for (const layer of [0, 1]) {
        tensors[`base_model.model.transformer.h.${layer}.attn.c_attn.lora_A.weight`] = tf.fill([2, 16], 0.1 * (layer + 1));
        tensors[`base_model.model.transformer.h.${layer}.attn.c_attn.lora_B.weight`] = tf.fill([48, 2], -0.2);
      }
      await saveAdapterFiles(directory, { config, tensors });
      const model = await PeftModel.fromPretrained(makeGpt2(), directory);
      const byName = adapterFileNames(model as never, 'default');
      for (const [name, tensor] of Object.entries(tensors)) expect([name, values(byName.get(name)![1])]).toEqual([name, values(tensor)]);
      await model.saveAdapter(again);
      const written = await loadAdapterFiles(again);
      expect(Object.keys(written.tensors).sort()).toEqual(Object.keys(tensors).sort());
      for (const [name, tensor] of Object.entries(written.tensors)) expect([name, values(tensor)]).toEqual([name, values(tensors[name])]);
      expect(JSON.parse(await readFile(path.join(again, 'adapter_config.json'), 'utf8'))).toEqual(config);
      tf.dispose([...Object.values(tensors), ...Object.values(written.tensors)]);
      model.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
      await rm(again, { recursive: true, force: true });
    }
  });

  test('bad token indices and module names are typed errors; the base is left as it was', () => {
    const base = makeGpt2();
    const names = base.namedModules().map(([n]) => n);
    const cases: Array<[unknown, unknown, string]> = [
      [[0, 99], TokenIndicesError, "expected integer token indices in [0, 30) (the embedding's rows), found [99]"],
      [{ nowhere: [1] }, NotFoundError, "LORA 'trainable_token_indices': module 'nowhere' is not in the model"],
      [7, TokenIndicesError, "expected a list of token indices or an object of module name -> token indices, found 7"],
    ];
    for (const [indices, type, message] of cases) {
      const make = () => getPeftModel(base, { ...LORA, trainable_token_indices: indices });
      expect(make).toThrow(type as never);
      expect(make).toThrow(message);
      expect(base.namedModules().map(([n]) => n)).toEqual(names);
      expect(base.parameters().every((p) => p.trainable)).toBe(true);
    }
    const both = () => getPeftModel(base, { ...LORA, modules_to_save: ['wte'], trainable_token_indices: { wte: [1] } });
    expect(both).toThrow(InvalidArgumentError);
    expect(both).toThrow("'trainable_token_indices': 'wte' is also in modules_to_save");
    base.dispose();
  });

  // peft's ensure_weight_tying for trainable_token_indices (peft issue 2864's table, PR 2870).
  test('ensure_weight_tying: a named tied head with the same rows is tied, with other rows an error; without it the head trains apart', () => {
    const tokenFiles = (model: PeftModel<never, unknown>) => [...adapterFileNames(model as never, 'default').keys()].filter((n) => n.includes('trainable_tokens'));
    const tied = getPeftModel(makeGpt2(), { ...LORA, ensure_weight_tying: true, trainable_token_indices: { wte: [1, 2], lm_head: [1, 2] } });
    expect(tokenFiles(tied as never)).toEqual(['base_model.model.transformer.wte.token_adapter.trainable_tokens_delta']);
    expect((tied.baseModel.getSubmodule('lm_head') as unknown as TrainableTokensWrapper).tokenAdapter.source).toBeDefined();
    tied.dispose();

    const base = makeGpt2();
    const refuse = () => getPeftModel(base, { ...LORA, ensure_weight_tying: true, trainable_token_indices: { wte: [1], lm_head: [2] } });
    expect(refuse).toThrow(TokenIndicesError);
    expect(refuse).toThrow("'lm_head' shares its weight with 'transformer.wte' and ensure_weight_tying is true, so it must train the same tokens");
    expect(base.getSubmodule('lm_head')).not.toBeInstanceOf(TrainableTokensWrapper);

    // Backward compatible (peft's default): each named module trains rows of its own, input and output apart.
    const apart = getPeftModel(base, { ...LORA, trainable_token_indices: { wte: [1], lm_head: [2] } });
    expect(tokenFiles(apart as never)).toEqual([
      'base_model.model.transformer.wte.token_adapter.trainable_tokens_delta',
      'base_model.model.lm_head.token_adapter.trainable_tokens_delta',
    ]);
    perturb(apart.adapterState('default'), 9);
    const input = tokenInput();
    const [logits, hidden, head, table] = tf.tidy(() => {
      const gpt2 = apart.baseModel as unknown as { transformer: Module<unknown, { lastHiddenState: tf.Tensor }> };
      const wrapper = apart.baseModel.getSubmodule('lm_head') as unknown as TrainableTokensWrapper;
      return [(apart.call(input as never) as { logits: tf.Tensor }).logits, gpt2.transformer.call(input).lastHiddenState, wrapper.tokenAdapter.replacedWeight(['default']), wrapper.tokenAdapter.weight.variable].map((t) => tf.keep(t));
    });
    // The head uses its own row 2 and the plain row 1; the embedding's trained row 1 is not in the head.
    expectClose(Array.from(logits.dataSync()), Array.from(tf.tidy(() => tf.matMul(hidden, head, false, true)).dataSync()), 1e-6);
    expect(rowsEqual(head, table, 1)).toBe(true);
    expect(rowsEqual(head, table, 2)).toBe(false);
    tf.dispose([logits, hidden, head, table, input.inputIds]);
    apart.dispose();
  });

  test('ensure_weight_tying on a model without tied weights warns that there is nothing to tie', () => {
    const warnings: string[] = [];
    const previous = setWarningHandler((message) => warnings.push(message));
    try {
      manualSeed(2);
      const net = new Sequential(new Embedding(10, 4), new Linear(4, 4));
      getPeftModel(net, { ...LORA, target_modules: ['1'], fan_in_fan_out: false, ensure_weight_tying: true, trainable_token_indices: { 0: [1, 2] } }).dispose();
    } finally {
      setWarningHandler(previous);
    }
    expect(warnings).toEqual(["TRAINABLE_TOKENS: ensure_weight_tying is true but no module shares a weight with '0'; nothing to tie"]);
  });
});

runPeftContractTests({
  name: 'LORA with trainable_token_indices on GPT-2 (wte wrapped, lm_head tied)',
  makeBase: () => makeGpt2(),
  makeInput: () => tokenInput(),
  read: readLogits,
  loss: logitsLoss,
  config: WITH_TOKENS,
  otherConfig: { ...LORA, r: 1, trainable_token_indices: { wte: [0, 24] } },
  mergeable: true,
  mergeTolerance: 1e-5,
});
