/** Core's PEFT contract for LoKr, on Linear (full and low-rank factors) and Conv2D (full, flattened and CP). */
import { runPeftContractTests } from '@peftjs/core/testing';
import { imageInput, makeCnn, makeMlp, mlpInput, onBackend } from '../../test/helpers';

beforeAll(() => onBackend('cpu'));

const lokr = { peft_type: 'LOKR', alpha: 4 };

runPeftContractTests({
  name: 'LoKr on Linear',
  makeBase: () => makeMlp(),
  makeInput: mlpInput,
  config: { ...lokr, r: 8, target_modules: ['body.0', 'body.2'] },
  otherConfig: { ...lokr, r: 1, decompose_both: true, target_modules: ['body.2', 'head'] },
  mergeable: true,
});

for (const useEffectiveConv2d of [false, true]) {
  runPeftContractTests({
    name: `LoKr on Conv2D (use_effective_conv2d ${useEffectiveConv2d})`,
    makeBase: () => makeCnn(),
    makeInput: imageInput,
    // r = 1: layer '0' (in 3 = 1 x 3) gets a low-rank (or CP) w2, layers '2' and '4' full ones.
    config: { ...lokr, r: 1, use_effective_conv2d: useEffectiveConv2d, target_modules: ['0', '2', '4'] },
    otherConfig: { ...lokr, r: 4, use_effective_conv2d: useEffectiveConv2d, target_modules: ['2'] },
    mergeable: true,
  });
}
