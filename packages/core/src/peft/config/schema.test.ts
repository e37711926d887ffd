import { InvalidArgumentError } from '../../errors';
import { setWarningHandler } from '../../util/log';
import { fields } from './fields';
import { defineConfigSchema } from './schema';

const schema = defineConfigSchema(
  'TEST',
  {
    r: fields.positiveInteger(8),
    alpha: fields.number(1, { min: 0, exclusiveMin: true }),
    target_modules: fields.nullable(fields.union<string | string[]>('a string or a list of strings', undefined, [fields.string(undefined), fields.stringList(undefined)])),
    mode: fields.oneOf(['a', 'b'] as const, 'a'),
  },
  (config) => {
    if (config.mode === 'b' && config.r > 4) throw new InvalidArgumentError(`config 'r': mode 'b' needs r <= 4, found ${config.r}`);
  },
);

describe('config schemas', () => {
  test('fill defaults for absent keys', () => {
    expect(schema.parse({})).toEqual({
      peft_type: 'TEST',
      task_type: null,
      base_model_name_or_path: null,
      revision: null,
      inference_mode: false,
      auto_mapping: null,
      r: 8,
      alpha: 1,
      target_modules: null,
      mode: 'a',
    });
  });

  test('accept valid values, including union shapes', () => {
    expect(schema.parse({ r: 2, target_modules: ['q', 'v'] }).target_modules).toEqual(['q', 'v']);
    expect(schema.parse({ target_modules: '.*attn.*' }).target_modules).toBe('.*attn.*');
  });

  test.each([
    [{ r: 0 }, "config 'r': expected an integer > 0, found 0"],
    [{ r: 2.5 }, "config 'r': expected an integer > 0, found 2.5"],
    [{ alpha: -1 }, "config 'alpha': expected a number > 0, found -1"],
    [{ mode: 'c' }, "config 'mode': expected one of 'a', 'b', found 'c'"],
    [{ target_modules: 3 }, "config 'target_modules': expected a string or a list of strings or null, found 3"],
    [{ peft_type: 'LORA' }, "config 'peft_type': expected 'TEST', found 'LORA'"],
    [{ mode: 'b', r: 8 }, "config 'r': mode 'b' needs r <= 4, found 8"],
  ])('reject %j with a message naming key, expectation and value', (raw, message) => {
    expect(() => schema.parse(raw)).toThrow(InvalidArgumentError);
    expect(() => schema.parse(raw)).toThrow(message);
  });

  test('keep unknown keys and warn about them instead of failing', () => {
    const warnings: string[] = [];
    const previous = setWarningHandler((m) => warnings.push(m));
    try {
      const config = schema.parse({ r: 4, newer_peft_option: { x: 1 } });
      expect(config.newer_peft_option).toEqual({ x: 1 });
      expect(warnings).toEqual(['TEST config: unknown keys kept as they are (from a newer peft version?): newer_peft_option']);
    } finally {
      setWarningHandler(previous);
    }
  });

  test('defaults are copies, not shared objects', () => {
    const listSchema = defineConfigSchema('L', { items: fields.stringList([]) });
    const a = listSchema.parse({});
    a.items.push('x');
    expect(listSchema.parse({}).items).toEqual([]);
  });
});
