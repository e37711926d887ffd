/** Bad configs, models and inputs are typed errors that leave the model as it was. */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { InvalidArgumentError, Linear, ShapeMismatchError, Module, Sequential, getPeftModel, manualSeed } from '@peftjs/core';
import { MLP } from '@peftjs/models';
import { lmInput, MAX_POSITIONS, onBackend, tinyLM, disposeAll } from '../test/helpers';
import { PromptInitError, PromptTooLongError, UnsupportedModelError } from './errors';
import { promptTuningConfig } from './prompt-tuning/config';
import { foldPromptEncoder } from './shared/fold';

beforeAll(() => onBackend('cpu'));

const TYPES = ['PROMPT_TUNING', 'PREFIX_TUNING', 'P_TUNING'] as const;

/** A transformer-sized model that has dims but no token embedding to prepend to. */
class EmbeddingFree extends Module {
  readonly config = { numLayers: 2, numHeads: 4, hiddenSize: 16, vocabSize: 23, maxPositions: 32 };
  constructor() {
    super();
    this.addModule('body', new Linear(16, 16));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.getSubmodule('body').call(x) as tf.Tensor;
  }
}

describe.each(TYPES)('%s', (type) => {
  test('zero, negative, fractional or missing num_virtual_tokens', () => {
    const base = tinyLM();
    for (const [n, shown] of [[0, '0'], [-3, '-3'], [2.5, '2.5'], ['4', "'4'"]] as const) {
      expect(() => getPeftModel(base, { peft_type: type, num_virtual_tokens: n })).toThrow(`config 'num_virtual_tokens': expected an integer > 0, found ${shown}`);
    }
    expect(() => getPeftModel(base, { peft_type: type })).toThrow(InvalidArgumentError);
    base.dispose();
  });

  test('a prompt that fills the context, or an input that runs past it', () => {
    const base = tinyLM();
    expect(() => getPeftModel(base, { peft_type: type, num_virtual_tokens: MAX_POSITIONS })).toThrow(PromptTooLongError);
    expect(() => getPeftModel(base, { peft_type: type, num_virtual_tokens: MAX_POSITIONS })).toThrow(/expected fewer than the model's maxPositions 32 .*found 32/);
    expect(base.parameters().every((p) => p.trainable)).toBe(true);
    const model = getPeftModel(base, { peft_type: type, num_virtual_tokens: 28 });
    const input = lmInput();
    const before = tf.memory().numTensors;
    expect(() => model.call(input)).toThrow(/28 virtual tokens \+ 5 input tokens = 33 positions, over the model's maxPositions 32/);
    expect(tf.memory().numTensors).toBe(before);
    disposeAll(input);
    model.dispose();
  });

  test('a model without dims or input embeddings', () => {
    manualSeed(1);
    for (const base of [new MLP({ inputSize: 4, hiddenSizes: [8], outputSize: 2 }), new Sequential(new Linear(4, 2))]) {
      expect(() => getPeftModel(base as never, { peft_type: type, num_virtual_tokens: 2 })).toThrow(UnsupportedModelError);
      expect(() => getPeftModel(base as never, { peft_type: type, num_virtual_tokens: 2 })).toThrow(/expected a transformer whose `config` has positive integer numLayers/);
      expect(base.parameters().every((p) => p.trainable)).toBe(true);
      base.dispose();
    }
    const embeddingFree = new EmbeddingFree();
    if (type === 'PREFIX_TUNING') {
      // Prefixes only need the layout of the key/value inputs.
      getPeftModel(embeddingFree, { peft_type: type, num_virtual_tokens: 2 }).dispose();
    } else {
      expect(() => getPeftModel(embeddingFree, { peft_type: type, num_virtual_tokens: 2 })).toThrow(/expected a model with getInputEmbeddings\(\)/);
      embeddingFree.dispose();
    }
  });

  test('an encoder-decoder layout, a token_dim that is not the model width, inputs that are not transformer inputs', () => {
    const base = tinyLM();
    expect(() => getPeftModel(base, { peft_type: type, task_type: 'SEQ_2_SEQ_LM', num_virtual_tokens: 2 })).toThrow(UnsupportedModelError);
    expect(() => getPeftModel(base, { peft_type: type, num_virtual_tokens: 2, num_transformer_submodules: 2 })).toThrow(/num_transformer_submodules 2/);
    expect(() => getPeftModel(base, { peft_type: type, num_virtual_tokens: 2, token_dim: 32 })).toThrow(/'token_dim': expected the model's hiddenSize 16, found 32/);
    const model = getPeftModel(base, { peft_type: type, num_virtual_tokens: 2 });
    const ids = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    const [embeds, flatIds, wrongMask] = [tf.zeros([1, 2, 16]), tf.tensor1d([1, 2], 'int32'), tf.ones([2, 2])];
    const before = tf.memory().numTensors;
    expect(() => model.call(ids as never)).toThrow(/expected a transformer input .*found a tensor of shape \[1, 2\]/);
    expect(() => model.call({ inputIds: ids, inputsEmbeds: embeds })).toThrow(/exactly one of inputIds and inputsEmbeds, found both/);
    expect(() => model.call({ inputIds: flatIds })).toThrow(ShapeMismatchError);
    expect(() => model.call({ inputIds: ids, attentionMask: wrongMask })).toThrow(/attentionMask/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([ids, embeds, flatIds, wrongMask]);
    model.dispose();
  });
});

describe('PROMPT_TUNING TEXT init', () => {
  const text = { num_virtual_tokens: 3, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: '   ', tokenizer_name_or_path: 'whitespace' } as const;
  const splitWords = (t: string) => t.split(/\s+/).filter((w) => w !== '').map((w) => w.length);

  test('a text that tokenizes to nothing, or to ids outside the vocabulary, fails and adds nothing', () => {
    const model = getPeftModel(tinyLM(), { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2 }, 'kept');
    expect(() => model.addAdapter('empty', promptTuningConfig(text, { tokenizer: splitWords }))).toThrow(PromptInitError);
    expect(() => model.addAdapter('empty', promptTuningConfig(text, { tokenizer: splitWords }))).toThrow(/at least one token, found none for "   "/);
    expect(() => model.addAdapter('outside', promptTuningConfig({ ...text, prompt_tuning_init_text: 'a 0123456789012345678901234' }, { tokenizer: splitWords }))).toThrow(
      /expected token ids in \[0, 22\] .*found 25/,
    );
    expect(model.adapterNames).toEqual(['kept']);
    expect(model.namedParameters().filter(([path]) => path.startsWith('prompt_encoder.')).map(([path]) => path)).toEqual(['prompt_encoder.kept.embedding.weight']);
    model.dispose();
  });

  test('token ids outside the vocabulary in the input are a typed error, not garbage', () => {
    const model = getPeftModel(tinyLM(), { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2 });
    const ids = tf.tensor2d([[1, 23]], [1, 2], 'int32');
    expect(() => model.call({ inputIds: ids })).toThrow(/expected ids in \[0, 22\], found 23/);
    ids.dispose();
    model.dispose();
  });

  test('on a GPU backend the ids are not read back synchronously (no GPU stall in every forward)', () => {
    const FAKE_GPU = 'prompt-tuning-fake-gpu';
    // The cpu backend under another name: what matters is that the name is not cpu, wasm or tensorflow.
    tf.registerBackend(FAKE_GPU, () => Object.assign(new MathBackendCPU(), { firstUse: false }));
    tf.copyRegisteredKernels('cpu', FAKE_GPU);
    try {
      for (const backend of ['cpu', FAKE_GPU]) {
        tf.setBackend(backend);
        const model = getPeftModel(tinyLM(), { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2 });
        const ids = tf.tensor2d([[1, 2]], [1, 2], 'int32');
        const read = jest.spyOn(ids, 'dataSync');
        tf.dispose(model.call({ inputIds: ids }));
        expect(read.mock.calls.length > 0).toBe(backend === 'cpu');
        ids.dispose();
        model.dispose();
      }
    } finally {
      onBackend('cpu');
      tf.removeBackend(FAKE_GPU);
    }
  });
});

test('P_TUNING and PREFIX_TUNING option values are checked', () => {
  const base = tinyLM();
  expect(() => getPeftModel(base, { peft_type: 'P_TUNING', num_virtual_tokens: 2, encoder_reparameterization_type: 'GRU' })).toThrow(/one of 'MLP', 'LSTM'/);
  expect(() => getPeftModel(base, { peft_type: 'P_TUNING', num_virtual_tokens: 2, encoder_dropout: 1 })).toThrow(/\[0, 1\)/);
  expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, encoder_hidden_size: 0 })).toThrow(/encoder_hidden_size/);
  expect(() => getPeftModel(base, { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 2, prefix_projection: 'yes' })).toThrow(/a boolean/);
  const model = getPeftModel(base, { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2 });
  expect(() => foldPromptEncoder(model, 'missing')).toThrow(/no adapter named 'missing'/);
  model.dispose();
});
