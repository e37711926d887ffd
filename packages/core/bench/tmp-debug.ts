import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/backend/index';
const info = await useBackend('wasm', { wasmThreads: 2 });
const w = (tf.backend() as unknown as { wasm: object }).wasm;
console.log(info.threads, 'PThread' in w);
