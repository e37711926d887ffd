import type { LoraInitName } from '../config';
import { oloraInit } from './olora';
import { pissaInit } from './pissa';
import { gaussianInit, kaimingInit, randomInit } from './random';
import type { LoraInitScheme } from './scheme';

export type { InitTarget, InitialFactors, LoraInitScheme } from './scheme';

/** The scheme a config's `init_lora_weights` names. */
export function initScheme(name: LoraInitName): LoraInitScheme {
  if (name === true) return kaimingInit;
  if (name === false) return randomInit;
  if (name === 'gaussian') return gaussianInit;
  if (name === 'olora') return oloraInit;
  if (name === 'pissa') return pissaInit();
  return pissaInit(Number(name.slice('pissa_niter_'.length)));
}
