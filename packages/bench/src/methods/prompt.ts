/** Prompt tuning, prefix tuning and P-tuning (transformers only), and LoRA with a soft prompt composed. */
import { loraConfig } from './lora';
import { headToSave, needsTransformer, peftMethod } from './peft';

const PACKAGE = '@peftjs/prompt-tuning';
export const VIRTUAL_TOKENS = 8;

export const promptTuning = peftMethod({
  name: 'prompt',
  title: 'Prompt tuning',
  group: 'prompt',
  packageName: PACKAGE,
  applies: needsTransformer,
  config: (task) => ({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: VIRTUAL_TOKENS, prompt_tuning_init: 'RANDOM', ...headToSave(task) }),
});

export const prefixTuning = peftMethod({
  name: 'prefix',
  title: 'Prefix tuning',
  group: 'prompt',
  packageName: PACKAGE,
  applies: needsTransformer,
  config: (task) => ({ peft_type: 'PREFIX_TUNING', num_virtual_tokens: VIRTUAL_TOKENS, prefix_projection: false, ...headToSave(task) }),
});

export const pTuning = peftMethod({
  name: 'p-tuning',
  title: 'P-tuning',
  group: 'prompt',
  packageName: PACKAGE,
  applies: needsTransformer,
  config: (task) => ({ peft_type: 'P_TUNING', num_virtual_tokens: VIRTUAL_TOKENS, encoder_reparameterization_type: 'MLP', encoder_hidden_size: 32, ...headToSave(task) }),
  // peft files hold the encoder's output, not its network: fold it before saving.
  prepareForSaving: (peft, loaded) => void (loaded.foldPromptEncoder as (model: unknown, name: string) => boolean)(peft, 'default'),
});

/** Two adapters of two methods active together: LoRA r=4 (with the head) and a soft prompt. */
export const loraWithPrompt = peftMethod({
  name: 'lora+prompt',
  title: 'LoRA r=4 + soft prompt',
  group: 'prompt',
  packageName: '@peftjs/lora',
  applies: needsTransformer,
  config: (task) => loraConfig(task, 4),
  more: () => [{ name: 'prompt', packageName: PACKAGE, config: { peft_type: 'PROMPT_TUNING', num_virtual_tokens: VIRTUAL_TOKENS } }],
});
