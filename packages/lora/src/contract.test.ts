/** Core's PEFT contract, on every layer type LoRA adapts and every variant. */
import { runPeftContractTests } from '@peftjs/core/testing';
import { imageInput, makeCnn, makeConv1dNet, makeMlp, makeTokenClassifier, mlpInput, onBackend, tokenInput } from '../test/helpers';

beforeAll(() => onBackend('cpu'));

const VARIANTS = [
  ['LoRA', {}],
  ['rsLoRA', { use_rslora: true }],
  ['DoRA', { use_dora: true }],
] as const;

for (const [variant, extra] of VARIANTS) {
  const lora = { peft_type: 'LORA', r: 4, lora_alpha: 8, ...extra };
  runPeftContractTests({
    name: `${variant} on Linear`,
    makeBase: () => makeMlp(),
    makeInput: mlpInput,
    config: { ...lora, target_modules: ['body.0', 'body.2'] },
    otherConfig: { ...lora, r: 2, target_modules: ['body.2', 'head'] },
    mergeable: true,
  });
  runPeftContractTests({
    name: `${variant} on Embedding`,
    makeBase: () => makeTokenClassifier(),
    makeInput: tokenInput,
    config: { ...lora, target_modules: ['embed'] },
    otherConfig: { ...lora, r: 3, target_modules: ['embed', 'head'] },
    mergeable: true,
  });
  runPeftContractTests({
    name: `${variant} on GPT-2's Conv1D (fan_in_fan_out)`,
    makeBase: () => makeConv1dNet(),
    makeInput: mlpInput,
    config: { ...lora, fan_in_fan_out: true, target_modules: ['0', '2'] },
    otherConfig: { ...lora, fan_in_fan_out: true, r: 2, target_modules: ['2'] },
    mergeable: true,
  });
  runPeftContractTests({
    name: `${variant} on Conv2D`,
    makeBase: () => makeCnn(),
    makeInput: imageInput,
    config: { ...lora, r: 2, target_modules: ['0', '2', '4'] },
    otherConfig: { ...lora, r: 3, target_modules: ['2'] },
    mergeable: true,
  });
}
