/**
 * Core's PEFT contract on the three methods, on GPT-2 and BERT: prompt tuning
 * and prefix tuning, whose training form is also their file form, and the
 * reparameterised forms (P-tuning's MLP, prefix tuning's projection), whose
 * files hold the encoder's output and load for inference. (The LSTM's dropout
 * needs eval mode to compare: see p-tuning.test.ts and files.test.ts.) Merging
 * is a NotMergeableError for all of them.
 */
import { runPeftContractTests } from '@peftjs/core/testing';
import { bertInput, lmInput, logitsLoss, onBackend, readLogits, tinyBert, tinyLM } from '../test/helpers';

beforeAll(() => onBackend('cpu'));

const common = { read: readLogits, loss: logitsLoss, mergeable: false } as const;

runPeftContractTests({
  ...common,
  name: 'PROMPT_TUNING on a GPT-2 language model',
  makeBase: () => tinyLM(),
  makeInput: lmInput,
  config: { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4 },
  otherConfig: { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 2, prompt_tuning_init: 'SAMPLE_VOCAB' },
});

runPeftContractTests({
  ...common,
  name: 'PREFIX_TUNING on a GPT-2 language model',
  makeBase: () => tinyLM(),
  makeInput: lmInput,
  config: { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 3 },
  otherConfig: { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 5 },
});

runPeftContractTests({
  ...common,
  name: 'PROMPT_TUNING on a BERT classifier, with its classifier in modules_to_save',
  makeBase: () => tinyBert(),
  makeInput: bertInput,
  config: { peft_type: 'PROMPT_TUNING', task_type: 'SEQ_CLS', num_virtual_tokens: 3, modules_to_save: ['classifier'] },
});

runPeftContractTests({
  ...common,
  name: 'PREFIX_TUNING on a BERT classifier',
  makeBase: () => tinyBert(),
  makeInput: bertInput,
  config: { peft_type: 'PREFIX_TUNING', task_type: 'SEQ_CLS', num_virtual_tokens: 3 },
});

runPeftContractTests({
  ...common,
  name: 'P_TUNING (MLP, training form) on a GPT-2 language model',
  makeBase: () => tinyLM(),
  makeInput: lmInput,
  config: { peft_type: 'P_TUNING', num_virtual_tokens: 3, encoder_hidden_size: 8 },
});

runPeftContractTests({
  ...common,
  name: 'PREFIX_TUNING with prefix_projection (training form) on a GPT-2 language model',
  makeBase: () => tinyLM(),
  makeInput: lmInput,
  config: { peft_type: 'PREFIX_TUNING', num_virtual_tokens: 3, prefix_projection: true, encoder_hidden_size: 8 },
});
