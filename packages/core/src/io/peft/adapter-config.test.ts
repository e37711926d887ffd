import { InvalidArgumentError } from '../../errors';
import { AdapterFormatError } from '../errors';
import { formatAdapterConfig, parseAdapterConfig } from './adapter-config';

describe('adapter config', () => {
  it('round-trips byte for byte, floats included', () => {
    const text = '{\n  "lora_alpha": 8,\n  "lora_dropout": 0.0,\n  "peft_type": "LORA",\n  "rank_pattern": {},\n  "target_modules": [\n    "c_attn"\n  ]\n}';
    const { config, floatPaths } = parseAdapterConfig(text);
    expect(config.lora_dropout).toBe(0);
    expect(floatPaths).toEqual(['/lora_dropout']);
    expect(formatAdapterConfig(config, { floatPaths })).toBe(text);
  });

  it('sorts keys and indents as peft writes them', () => {
    expect(formatAdapterConfig({ r: 4, peft_type: 'IA3', task_type: null })).toBe('{\n  "peft_type": "IA3",\n  "r": 4,\n  "task_type": null\n}');
  });

  it('refuses what is not a peft config', () => {
    expect(() => parseAdapterConfig('{')).toThrow(expect.objectContaining({ reason: 'CONFIG_NOT_JSON' }));
    for (const text of ['[]', 'null', '{}', '{"peft_type": 3}', '{"peft_type": ""}']) {
      expect(() => parseAdapterConfig(text)).toThrow(AdapterFormatError);
    }
    expect(() => formatAdapterConfig({} as never)).toThrow(InvalidArgumentError);
  });
});
