/** trainable_token_indices is @peftjs/adapters' training aid: without that package imported, LoRA's config says what is missing. */
import { InvalidArgumentError } from '@peftjs/core';
import { loraConfigSchema } from './config';

test("trainable_token_indices without @peftjs/adapters is an InvalidArgumentError naming the package; null is fine", () => {
  const parse = () => loraConfigSchema.parse({ peft_type: 'LORA', target_modules: ['q'], trainable_token_indices: [1, 2] });
  expect(parse).toThrow(InvalidArgumentError);
  expect(parse).toThrow("LORA config: 'trainable_token_indices' (trainable tokens) needs @peftjs/adapters: import it to register trainable tokens");
  expect(() => loraConfigSchema.parse({ peft_type: 'LORA', target_modules: ['q'], trainable_token_indices: null })).not.toThrow();
});
