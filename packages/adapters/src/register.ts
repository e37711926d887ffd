/**
 * Registers this package's methods with core (peft's `register_peft_method`):
 * BOTTLENECK, IA3, ADAPTER_FUSION, LN_TUNING and TRAINABLE_TOKENS, and the
 * training aid for other methods' `trainable_token_indices`. Importing @peftjs/adapters does it;
 * calling it again is harmless.
 */
import { registerAuxiliaryTraining, registerPeftMethod } from '@peftjs/core';
import { bottleneckMethod } from './bottleneck/method';
import { fusionMethod } from './fusion/method';
import { ia3Method } from './ia3/method';
import { lnTuningMethod } from './ln-tuning/method';
import { trainableTokensMethod } from './trainable-tokens/method';
import { trainableTokenIndicesAid } from './trainable-tokens/token-indices-aid';

export function registerAdapters(): void {
  registerPeftMethod(bottleneckMethod);
  registerPeftMethod(ia3Method);
  registerPeftMethod(fusionMethod);
  registerPeftMethod(lnTuningMethod);
  registerPeftMethod(trainableTokensMethod);
  registerAuxiliaryTraining(trainableTokenIndicesAid);
}
