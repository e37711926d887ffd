/**
 * When the token-id range check reads ids back from the device, and that it
 * still turns every out-of-range id into a TokenIdOutOfRangeError. A "GPU"
 * backend here is the cpu backend registered under another name: what matters
 * is that the name is not in SYNC_READ_BACKENDS.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { manualSeed } from '@peftjs/core';
import { onBackend } from '../../test/helpers';
import { TokenIdOutOfRangeError } from '../errors';
import { gpt2Config } from '../gpt2/config';
import { GPT2LMHeadModel } from '../gpt2/lm-head';
import { checkTokenIds, checkTokenIdsAsync, SYNC_READ_BACKENDS, tokenIdTensor } from './token-ids';

const VOCAB = 23;
const FAKE_GPU = 'fake-gpu';

function tinyLM(): GPT2LMHeadModel {
  manualSeed(5);
  return new GPT2LMHeadModel(gpt2Config({ vocabSize: VOCAB, maxPositions: 16, hiddenSize: 8, numLayers: 1, numHeads: 2 })).eval();
}

const logitsOf = (model: GPT2LMHeadModel, inputIds: tf.Tensor) => tf.tidy(() => Array.from(model.call({ inputIds }).logits.dataSync()));

beforeAll(async () => {
  await onBackend('cpu');
  tf.registerBackend(FAKE_GPU, () => Object.assign(new MathBackendCPU(), { firstUse: false }));
  tf.copyRegisteredKernels('cpu', FAKE_GPU);
});

afterAll(() => tf.removeBackend(FAKE_GPU));

describe('on cpu', () => {
  beforeAll(() => onBackend('cpu'));

  test('a forward pass on ids from tokenIdTensor never reads them back, and computes what plain ids compute', () => {
    const model = tinyLM();
    const checked = tokenIdTensor([[1, 22, 3]], VOCAB, 'inputIds');
    const plain = tf.tensor2d([[1, 22, 3]], [1, 3], 'int32');
    const read = jest.spyOn(checked, 'dataSync');
    expect(logitsOf(model, checked)).toEqual(logitsOf(model, plain));
    expect(read).not.toHaveBeenCalled();
    tf.dispose([checked, plain]);
    model.dispose();
  });

  test('plain ids are read once: the first forward checks them, later forwards remember', () => {
    const model = tinyLM();
    const ids = tf.tensor2d([[4, 5]], [1, 2], 'int32');
    const read = jest.spyOn(ids, 'dataSync');
    logitsOf(model, ids);
    expect(read).toHaveBeenCalledTimes(1);
    logitsOf(model, ids);
    expect(read).toHaveBeenCalledTimes(1);
    ids.dispose();
    model.dispose();
  });

  test('ids checked by checkTokenIdsAsync are not read again by the forward pass', async () => {
    const model = tinyLM();
    const ids = tf.tensor2d([[7, 8]], [1, 2], 'int32');
    await checkTokenIdsAsync(ids, VOCAB, 'inputIds');
    const read = jest.spyOn(ids, 'dataSync');
    logitsOf(model, ids);
    expect(read).not.toHaveBeenCalled();
    ids.dispose();
    model.dispose();
  });

  test('out-of-range ids are still typed errors: on the CPU, in the forward pass, and against a smaller bound later', () => {
    const model = tinyLM();
    expect(() => tokenIdTensor([[1, 23]], VOCAB, 'inputIds')).toThrow(new TokenIdOutOfRangeError('inputIds', 23, VOCAB));
    expect(() => tokenIdTensor([[-2]], VOCAB, 'inputIds')).toThrow(/expected ids in \[0, 22\], found -2/);
    const bad = tf.tensor2d([[1, 40]], [1, 2], 'int32');
    expect(() => model.call({ inputIds: bad })).toThrow(new TokenIdOutOfRangeError('inputIds', 40, VOCAB));
    const remembered = tokenIdTensor([[3, 9]], VOCAB, 'ids');
    expect(() => checkTokenIds(remembered, 9, 'positionIds')).toThrow(new TokenIdOutOfRangeError('positionIds', 9, 9));
    tf.dispose([bad, remembered]);
    model.dispose();
  });

  test('a Variable is read on every check: its values can change', () => {
    const ids = tf.variable(tf.tensor2d([[1, 2]], [1, 2], 'int32'));
    const read = jest.spyOn(ids, 'dataSync');
    checkTokenIds(ids, VOCAB, 'inputIds');
    ids.assign(tf.tensor2d([[1, 30]], [1, 2], 'int32'));
    expect(() => checkTokenIds(ids, VOCAB, 'inputIds')).toThrow(TokenIdOutOfRangeError);
    expect(read).toHaveBeenCalledTimes(2);
    ids.dispose();
  });
});

describe('on a GPU backend', () => {
  beforeAll(() => tf.setBackend(FAKE_GPU));
  afterAll(() => onBackend('cpu'));

  test('is not a synchronous-read backend', () => {
    expect(tf.getBackend()).toBe(FAKE_GPU);
    expect([...SYNC_READ_BACKENDS]).toEqual(['cpu', 'wasm', 'tensorflow']);
  });

  test('the forward pass never reads the ids back', () => {
    const model = tinyLM();
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const read = jest.spyOn(ids, 'dataSync');
    logitsOf(model, ids);
    expect(read).not.toHaveBeenCalled();
    ids.dispose();
    model.dispose();
  });

  test('checkTokenIdsAsync at the entry point turns an out-of-range id into the typed error, without dataSync', async () => {
    const ids = tf.tensor2d([[1, 99]], [1, 2], 'int32');
    const read = jest.spyOn(ids, 'dataSync');
    await expect(checkTokenIdsAsync(ids, VOCAB, 'inputIds')).rejects.toThrow(new TokenIdOutOfRangeError('inputIds', 99, VOCAB));
    expect(read).not.toHaveBeenCalled();
    ids.dispose();
  });

  test('generate checks its prompt on the CPU: an out-of-range id is the typed error', () => {
    const model = tinyLM();
    expect(() => model.generate([[1, 99]], { maxNewTokens: 2 })).toThrow(new TokenIdOutOfRangeError('inputIds', 99, VOCAB));
    expect(model.generate([[1, 2]], { maxNewTokens: 2, eosTokenId: null })[0]).toHaveLength(4);
    model.dispose();
  });
});
