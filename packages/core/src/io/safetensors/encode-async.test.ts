import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../../../test/helpers';
import { InvalidArgumentError } from '../../errors';
import { encodeSafetensors, encodeSafetensorsAsync } from './encode';

beforeAll(() => onBackend('cpu'));

test('encodeSafetensorsAsync gives the bytes encodeSafetensors gives, without a synchronous read', async () => {
  const tensors = {
    'b.weight': tf.tensor2d([[1.5, -2], [0.25, 3]]),
    'a.ids': tf.tensor1d([7, -1, 3], 'int32'),
    mask: tf.tensor1d([1, 0, 1], 'bool'),
    raw: { dtype: 'F16' as const, shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
  };
  const options = { metadata: { format: 'pt' }, dtypes: { 'b.weight': 'BF16' as const } };
  const expected = encodeSafetensors(tensors, options);
  const syncReads = [tensors['b.weight'], tensors['a.ids'], tensors.mask].map((tensor) => jest.spyOn(tensor, 'dataSync'));
  expect(Buffer.from(await encodeSafetensorsAsync(tensors, options)).equals(Buffer.from(expected))).toBe(true);
  for (const spy of syncReads) expect(spy).not.toHaveBeenCalled();
  tf.dispose([tensors['b.weight'], tensors['a.ids'], tensors.mask]);
});

test('encodeSafetensorsAsync refuses a disposed tensor with the same typed error', async () => {
  const gone = tf.tensor1d([1]);
  gone.dispose();
  await expect(encodeSafetensorsAsync({ gone })).rejects.toThrow(InvalidArgumentError);
  await expect(encodeSafetensorsAsync({ gone })).rejects.toThrow('Tensor "gone" is disposed');
});
