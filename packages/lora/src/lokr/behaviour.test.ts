/** LoKr's dropouts, mixed batches, memory and typed errors (the suite shared with LoHa). */
import { getPeftModel } from '@peftjs/core';
import { describeLycorisBehaviour } from '../../test/lycoris-behaviour';
import { makeMlp, onBackend } from '../../test/helpers';

beforeAll(() => onBackend('cpu'));

describeLycorisBehaviour({ method: 'LOKR', config: { r: 1, alpha: 2, init_weights: false } });

test('LoKr-only keys are checked: init_weights, decompose_factor, decompose_both', () => {
  const make = (extra: Record<string, unknown>) => () => getPeftModel(makeMlp(), { peft_type: 'LOKR', target_modules: ['head'], ...extra });
  expect(make({ init_weights: 'gaussian' })).toThrow(`LOKR config 'init_weights': expected true, false or "lycoris", found 'gaussian'`);
  expect(make({ decompose_factor: 2.5 })).toThrow(`config 'decompose_factor': expected an integer, found 2.5`);
  expect(make({ decompose_both: 'yes' })).toThrow(`config 'decompose_both': expected a boolean, found 'yes'`);
});
