/** Registers the three prompt-learning methods with core (peft's register_peft_method). */
import { registerPeftMethod } from '@peftjs/core';
import { pTuningMethod } from './p-tuning/method';
import { prefixTuningMethod } from './prefix-tuning/method';
import { promptTuningMethod } from './prompt-tuning/method';

export const PROMPT_LEARNING_METHODS = [promptTuningMethod, prefixTuningMethod, pTuningMethod] as const;

/** Importing @peftjs/prompt-tuning does this; calling it again is harmless. */
export function registerPromptLearning(): void {
  registerPeftMethod(promptTuningMethod);
  registerPeftMethod(prefixTuningMethod);
  registerPeftMethod(pTuningMethod);
}
