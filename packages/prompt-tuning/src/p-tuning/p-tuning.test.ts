import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdapterStateError, PeftModel, getPeftModel } from '@peftjs/core';
import { readAdapter, readSavedTensor, withTemporaryDirectory } from '../../test/files';
import { adapterSnapshot, expectClose, HIDDEN, lmInput, logitsOf, logitsLoss, maxAbsDifference, onBackend, perturb, tinyLM } from '../../test/helpers';
import { foldPromptEncoder } from '../shared/fold';
import { BidirectionalLstm } from './lstm';

beforeAll(() => onBackend('cpu'));

const mlp = { peft_type: 'P_TUNING', task_type: 'CAUSAL_LM', num_virtual_tokens: 4, encoder_hidden_size: 8 };
const lstm = { ...mlp, encoder_reparameterization_type: 'LSTM', encoder_num_layers: 2, encoder_dropout: 0.5 };

const local = (model: PeftModel<never, unknown>) => model.adapterState('default').map(([path, p]) => [path.replace('prompt_encoder.default.', ''), p.shape]);

/** PyTorch's LSTM equations, one number at a time: the reference for BidirectionalLstm. */
function referenceLstm(lstmModule: BidirectionalLstm, x: number[][]): number[][] {
  const { hiddenSize: H, numLayers } = lstmModule.shape;
  const get = (name: string) => lstmModule.getParameter(name).variable.arraySync() as number[][] & number[];
  const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
  let sequence = x;
  for (let layer = 0; layer < numLayers; layer++) {
    const directions = ['', '_reverse'].map((suffix) => {
      const [wi, wh, bi, bh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((w) => get(`${w}_l${layer}${suffix}`));
      const out: number[][] = new Array(sequence.length);
      let h = new Array<number>(H).fill(0);
      let c = new Array<number>(H).fill(0);
      for (let k = 0; k < sequence.length; k++) {
        const t = suffix === '' ? k : sequence.length - 1 - k;
        const gate = (g: number, j: number) => {
          const row = g * H + j;
          let sum = (bi as number[])[row] + (bh as number[])[row];
          sequence[t].forEach((v, i) => (sum += (wi as number[][])[row][i] * v));
          h.forEach((v, i) => (sum += (wh as number[][])[row][i] * v));
          return sum;
        };
        const nextC = c.map((cj, j) => sigmoid(gate(1, j)) * cj + sigmoid(gate(0, j)) * Math.tanh(gate(2, j)));
        h = nextC.map((cj, j) => sigmoid(gate(3, j)) * Math.tanh(cj));
        c = nextC;
        out[t] = h;
      }
      return out;
    });
    sequence = sequence.map((_, t) => [...directions[0][t], ...directions[1][t]]);
  }
  return sequence;
}

describe('P_TUNING', () => {
  test("builds peft's MLP and LSTM encoders, under peft's names", () => {
    const withMlp = getPeftModel(tinyLM(), mlp);
    expect(local(withMlp as never)).toEqual([
      ['embedding.weight', [4, HIDDEN]],
      ['mlp_head.0.weight', [8, HIDDEN]],
      ['mlp_head.0.bias', [8]],
      ['mlp_head.2.weight', [8, 8]],
      ['mlp_head.2.bias', [8]],
      ['mlp_head.4.weight', [HIDDEN, 8]],
      ['mlp_head.4.bias', [HIDDEN]],
    ]);
    withMlp.dispose();
    const withLstm = getPeftModel(tinyLM(), lstm);
    const names = local(withLstm as never);
    expect(names.slice(0, 5)).toEqual([
      ['embedding.weight', [4, HIDDEN]],
      ['lstm_head.weight_ih_l0', [32, HIDDEN]],
      ['lstm_head.weight_hh_l0', [32, 8]],
      ['lstm_head.bias_ih_l0', [32]],
      ['lstm_head.bias_hh_l0', [32]],
    ]);
    expect(names).toContainEqual(['lstm_head.weight_ih_l1_reverse', [32, 16]]);
    expect(names.slice(-4)).toEqual([
      ['mlp_head.0.weight', [16, 16]],
      ['mlp_head.0.bias', [16]],
      ['mlp_head.2.weight', [HIDDEN, 16]],
      ['mlp_head.2.bias', [HIDDEN]],
    ]);
    withLstm.dispose();
  });

  test("the LSTM computes PyTorch's bidirectional, two-layer LSTM", () => {
    const module = new BidirectionalLstm({ inputSize: 3, hiddenSize: 2, numLayers: 2, dropout: 0 });
    const x = [[0.5, -1, 0.25], [1, 0.3, -0.7], [-0.2, 0.8, 0.1], [0.9, -0.4, 0.6]];
    const out = tf.tidy(() => module.call(tf.tensor2d(x)).arraySync() as number[][]);
    expectClose(out.flat(), referenceLstm(module, x).flat(), 1e-6);
    module.dispose();
  });

  for (const [name, config] of [['MLP', mlp], ['LSTM', lstm]] as const) {
    test(`${name}: training moves the encoder; the training form saves its output as peft and loads for inference; folding gives the same file`, async () => {
      const model = getPeftModel(tinyLM(), config);
      const variables = model.parameters().filter((p) => p.trainable).map((p) => p.variable);
      const input = lmInput();
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => logitsLoss(model.call(input)), variables);
          losses.push(value.dataSync()[0]);
          for (const v of variables) v.assign(tf.sub(v, tf.mul(0.5, grads[v.name])));
        });
      }
      tf.dispose(input as never);
      expect(losses[2]).toBeLessThan(losses[0]);
      perturb(model);
      // Dropout between LSTM layers acts in training mode only; compare in eval mode, which saving and folding use.
      model.eval();
      const trained = logitsOf(model, lmInput);
      await withTemporaryDirectory(async (directory) => {
        const training = path.join(directory, 'training');
        const folded = path.join(directory, 'folded');
        // No fold needed: the file holds the encoder's output and the model keeps its network.
        const before = adapterSnapshot(model);
        await model.saveAdapter(training);
        expect(adapterSnapshot(model)).toEqual(before);
        expect(local(model as never)[0]).toEqual(['embedding.weight', [4, HIDDEN]]);
        expect(local(model as never).length).toBeGreaterThan(1);
        const saved = await readAdapter(training);
        expect(saved.tensors).toEqual([['prompt_embeddings', [4, HIDDEN]]]);
        expect(saved.config).toMatchObject({ peft_type: 'P_TUNING', encoder_reparameterization_type: name, encoder_hidden_size: 8, token_dim: HIDDEN, inference_mode: true });
        const loaded = await PeftModel.fromPretrained(tinyLM(), training);
        expect(logitsOf(loaded, lmInput)).toEqual(trained);
        loaded.dispose();
        const base = tinyLM();
        await expect(PeftModel.fromPretrained(base, training, 'default', { isTrainable: true })).rejects.toThrow(AdapterStateError);
        await expect(PeftModel.fromPretrained(base, training, 'default', { isTrainable: true })).rejects.toThrow(/Load it for inference instead \(isTrainable false/);
        expect(base.parameters().every((p) => p.trainable)).toBe(true);
        base.dispose();

        // Folding switches the live model to that inference form: the same outputs, the same file.
        expect(foldPromptEncoder(model)).toBe(true);
        expect(local(model as never)).toEqual([['embedding.weight', [4, HIDDEN]]]);
        expect(maxAbsDifference(logitsOf(model, lmInput), trained)).toBeLessThan(1e-5);
        await model.saveAdapter(folded);
        expect(await readSavedTensor(folded, 'prompt_embeddings')).toEqual(await readSavedTensor(training, 'prompt_embeddings'));
      });
      model.dispose();
    });
  }
});
