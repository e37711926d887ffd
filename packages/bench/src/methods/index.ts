/** The built-in methods, registered in the order reports list them. */
import { registerMethod, methodNames } from '../registry';
import type { BenchMethod } from '../types';
import { houlsby, ia3, parallelAdapter, pfeiffer } from './adapters';
import { fullFineTuning, headOnly } from './baselines';
import { dora, loraR1, loraR4, loraR8 } from './lora';
import { anil, firstOrderMaml, maml, mamlLora } from './meta';
import { loraWithPrompt, pTuning, prefixTuning, promptTuning } from './prompt';

export const BUILTIN_METHODS: readonly BenchMethod[] = [
  fullFineTuning,
  headOnly,
  loraR1,
  loraR4,
  loraR8,
  dora,
  ia3,
  houlsby,
  pfeiffer,
  parallelAdapter,
  promptTuning,
  prefixTuning,
  pTuning,
  loraWithPrompt,
  maml,
  firstOrderMaml,
  anil,
  mamlLora,
];

/** Registers the built-in methods (once; a user's method of the same name registered earlier wins). */
export function registerBuiltinMethods(): void {
  const present = new Set(methodNames());
  for (const method of BUILTIN_METHODS) if (!present.has(method.name)) registerMethod(method);
}

export { fullFineTuning, headOnly, loraR1, loraR4, loraR8, dora, ia3, houlsby, pfeiffer, parallelAdapter, promptTuning, prefixTuning, pTuning, loraWithPrompt, maml, firstOrderMaml, anil, mamlLora };
export { peftMethod, wrapWithPeft, headToSave, needsTransformer, type PeftMethodSpec } from './peft';
export { loraConfig } from './lora';
export { loadPackage, MethodUnavailableError } from './load-package';
