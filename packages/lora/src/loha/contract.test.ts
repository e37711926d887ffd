/** Core's PEFT contract for LoHa, on Linear and Conv2D (flattened and CP kernels). */
import { runPeftContractTests } from '@peftjs/core/testing';
import { imageInput, makeCnn, makeMlp, mlpInput, onBackend } from '../../test/helpers';

beforeAll(() => onBackend('cpu'));

const loha = { peft_type: 'LOHA', r: 3, alpha: 6 };

runPeftContractTests({
  name: 'LoHa on Linear',
  makeBase: () => makeMlp(),
  makeInput: mlpInput,
  config: { ...loha, target_modules: ['body.0', 'body.2'] },
  otherConfig: { ...loha, r: 2, target_modules: ['body.2', 'head'] },
  mergeable: true,
});

for (const useEffectiveConv2d of [false, true]) {
  runPeftContractTests({
    name: `LoHa on Conv2D (use_effective_conv2d ${useEffectiveConv2d})`,
    makeBase: () => makeCnn(),
    makeInput: imageInput,
    config: { ...loha, r: 2, use_effective_conv2d: useEffectiveConv2d, target_modules: ['0', '2', '4'] },
    otherConfig: { ...loha, r: 3, use_effective_conv2d: useEffectiveConv2d, target_modules: ['2'] },
    mergeable: true,
  });
}
