/**
 * Registers this package's methods with core (peft's `register_peft_method`):
 * BOTTLENECK, IA3 and ADAPTER_FUSION. Importing @peftjs/adapters does it;
 * calling it again is harmless.
 */
import { registerPeftMethod } from '@peftjs/core';
import { bottleneckMethod } from './bottleneck/method';
import { fusionMethod } from './fusion/method';
import { ia3Method } from './ia3/method';

export function registerAdapters(): void {
  registerPeftMethod(bottleneckMethod);
  registerPeftMethod(ia3Method);
  registerPeftMethod(fusionMethod);
}
