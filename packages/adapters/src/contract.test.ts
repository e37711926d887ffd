/** Core's PEFT contract on every method of this package, on @peftjs/models' MLP, GPT-2 and BERT. */
import { runPeftContractTests } from '@peftjs/core/testing';
import { hiddenLoss, logitsLoss, makeBert, makeGpt2, makeMlp, mlpInput, onBackend, readHidden, readLogits, tokenInput } from '../test/helpers';

beforeAll(() => onBackend('cpu'));

const gpt2 = { makeBase: () => makeGpt2(), makeInput: () => tokenInput(), read: readLogits, loss: logitsLoss };
const bert = { makeBase: () => makeBert(), makeInput: () => tokenInput(), read: readHidden, loss: hiddenLoss };
const mlp = { makeBase: () => makeMlp(), makeInput: () => mlpInput() };
const bottleneck = (extra: Record<string, unknown>) => ({ peft_type: 'BOTTLENECK', reduction_factor: 4, ...extra });

runPeftContractTests({
  name: 'BOTTLENECK houlsby on GPT-2',
  ...gpt2,
  config: bottleneck({ config: 'houlsby' }),
  otherConfig: bottleneck({ config: 'pfeiffer', ln_before: true }),
  mergeable: false,
});

runPeftContractTests({
  name: 'BOTTLENECK parallel on GPT-2 (reads ln_1 / ln_2)',
  ...gpt2,
  config: bottleneck({ config: 'parallel', mh_adapter: true }),
  otherConfig: bottleneck({ config: 'parallel', reduction_factor: 8 }),
  mergeable: false,
});

runPeftContractTests({
  name: 'BOTTLENECK pfeiffer with layer norms on BERT',
  ...bert,
  config: bottleneck({ config: 'pfeiffer', ln_before: true, ln_after: true }),
  otherConfig: bottleneck({ config: 'houlsby', leave_out: [0] }),
  mergeable: false,
});

runPeftContractTests({
  name: 'BOTTLENECK parallel on BERT (attention reads the layer input)',
  ...bert,
  config: bottleneck({ config: 'parallel', mh_adapter: true }),
  mergeable: false,
});

runPeftContractTests({
  name: 'BOTTLENECK on an MLP, preset and placement rules',
  ...mlp,
  config: bottleneck({ config: 'houlsby' }),
  otherConfig: bottleneck({ placement: [{ module: '4', position: 'beside' }, { module: '1', position: 'after', size: '0' }] }),
  mergeable: false,
});

runPeftContractTests({
  name: "IA3 on GPT-2 (peft's defaults: c_attn, mlp.c_proj feed-forward; Conv1D)",
  ...gpt2,
  config: { peft_type: 'IA3', fan_in_fan_out: true },
  otherConfig: { peft_type: 'IA3', fan_in_fan_out: true, target_modules: ['c_attn'], feedforward_modules: [] },
  mergeable: true,
});

runPeftContractTests({
  name: "IA3 on BERT (peft's defaults: key, value, output.dense feed-forward)",
  ...bert,
  config: { peft_type: 'IA3' },
  mergeable: true,
});

runPeftContractTests({
  name: 'IA3 on an MLP with explicit targets',
  ...mlp,
  config: { peft_type: 'IA3', target_modules: ['0', '2', '4'], feedforward_modules: ['2', '4'] },
  otherConfig: { peft_type: 'IA3', target_modules: '[02]', feedforward_modules: '2' },
  mergeable: true,
});
