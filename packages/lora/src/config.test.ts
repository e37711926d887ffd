import { InvalidArgumentError, InvalidPatternError, parsePeftConfig, setWarningHandler } from '@peftjs/core';
import { loraConfigSchema, rankAndAlpha, type LoraConfig } from './config';
import './index';

const parse = (raw: Record<string, unknown>) => loraConfigSchema.parse({ peft_type: 'LORA', target_modules: ['q'], ...raw });

describe('LoraConfig', () => {
  test("fills the keys peft has always written with peft's defaults, and leaves newer keys out unless given", () => {
    const config = parse({});
    expect(config).toMatchObject({
      r: 8,
      lora_alpha: 8,
      lora_dropout: 0,
      bias: 'none',
      fan_in_fan_out: false,
      use_rslora: false,
      use_dora: false,
      init_lora_weights: true,
      rank_pattern: {},
      alpha_pattern: {},
      modules_to_save: null,
      layers_to_transform: null,
      megatron_core: 'megatron.core',
      loftq_config: {},
    });
    expect('lora_bias' in config).toBe(false);
    expect('exclude_modules' in config).toBe(false);
    expect(parse({ lora_bias: false, exclude_modules: ['k'] })).toMatchObject({ lora_bias: false, exclude_modules: ['k'] });
  });

  test('keys of newer peft versions parse without warnings; unknown keys warn and are kept', () => {
    const warnings: string[] = [];
    const previous = setWarningHandler((message) => warnings.push(message));
    try {
      const newer = {
        exclude_modules: null,
        lora_bias: false,
        use_qalora: false,
        qalora_group_size: 16,
        eva_config: null,
        corda_config: null,
        trainable_token_indices: null,
        target_parameters: null,
        alora_invocation_tokens: null,
        arrow_config: null,
        ensure_weight_tying: false,
        peft_version: '0.17.1',
        layer_replication: null,
        megatron_config: null,
      };
      expect(parse(newer)).toMatchObject(newer);
      expect(warnings).toEqual([]);
      expect(parse({ lora_future_option: 3 })).toMatchObject({ lora_future_option: 3 });
      expect(warnings).toEqual([expect.stringContaining('unknown keys kept as they are (from a newer peft version?): lora_future_option')]);
    } finally {
      setWarningHandler(previous);
    }
  });

  test.each([
    [{ r: 0 }, "config 'r': expected an integer > 0, found 0"],
    [{ r: 2.5 }, "config 'r': expected an integer > 0, found 2.5"],
    [{ lora_alpha: 0 }, "config 'lora_alpha': expected a number > 0, found 0"],
    [{ lora_alpha: -8 }, "config 'lora_alpha': expected a number > 0, found -8"],
    [{ lora_dropout: 1 }, "'lora_dropout': expected a number in [0, 1), found 1"],
    [{ bias: 'some' }, "config 'bias': expected one of 'none', 'all', 'lora_only', found 'some'"],
    [{ init_lora_weights: 'eva' }, 'config \'init_lora_weights\': expected true, false, "gaussian", "pissa", "pissa_niter_<n>" or "olora", found \'eva\''],
    [{ target_modules: 'q|v', layers_to_transform: [0] }, "'layers_to_transform' cannot be used when 'target_modules' is a regex string"],
    [{ layers_pattern: 'h' }, "'layers_pattern' needs 'layers_to_transform'"],
    [{ rank_pattern: { q: 0 } }, "'rank_pattern' ['q']: expected an integer > 0, found 0"],
    [{ alpha_pattern: { q: -1 } }, "'alpha_pattern' ['q']: expected a number > 0, found -1"],
    [{ lora_bias: true, use_dora: true }, "'lora_bias' is not supported with DoRA"],
    [{ lora_bias: true, init_lora_weights: 'pissa' }, "'lora_bias' works with init_lora_weights true or false only, found 'pissa'"],
    [{ layer_replication: [[0, 2]] }, "'layer_replication' (layer replication) is not supported by peftjs"],
    [{ use_qalora: true }, "'use_qalora' (QALoRA) is not supported by peftjs"],
  ])('%j is a typed error: %s', (raw, message) => {
    expect(() => parse(raw)).toThrow(InvalidArgumentError);
    expect(() => parse(raw)).toThrow(message);
  });

  test('is what core parses for peft_type LORA', () => {
    expect(parsePeftConfig({ peft_type: 'LORA', r: 4, target_modules: 'all-linear' })).toMatchObject({ r: 4, target_modules: 'all-linear' });
  });

  test("rank_pattern and alpha_pattern match a path's end on a dot boundary, first pattern first", () => {
    const config: LoraConfig = parse({ r: 8, lora_alpha: 16, rank_pattern: { 'h\\.0\\.attn\\.c_attn': 2, c_proj: 4 }, alpha_pattern: { 'attn.c_proj': 3 } });
    expect(rankAndAlpha(config, 'transformer.h.0.attn.c_attn')).toEqual({ r: 2, alpha: 16 });
    expect(rankAndAlpha(config, 'transformer.h.10.attn.c_attn')).toEqual({ r: 8, alpha: 16 });
    expect(rankAndAlpha(config, 'transformer.h.1.attn.c_proj')).toEqual({ r: 4, alpha: 3 });
    expect(rankAndAlpha(config, 'transformer.h.1.mlp.c_proj')).toEqual({ r: 4, alpha: 16 });
    expect(rankAndAlpha(config, 'x_c_proj')).toEqual({ r: 8, alpha: 16 });
    // The first key that matches wins, in the file's order.
    const first = (rank_pattern: Record<string, number>) => rankAndAlpha(parse({ rank_pattern }), 'transformer.h.1.mlp.c_proj').r;
    expect([first({ c_proj: 4, 'mlp\\.c_proj': 6 }), first({ 'mlp\\.c_proj': 6, c_proj: 4 }), first({ 'h\\.\\d+\\.mlp\\.c_proj': 2, c_proj: 4 })]).toEqual([4, 6, 2]);
    // A key's alternation stays inside it: 'fc|proj' is (.*\.)?(fc|proj)$, not (.*\.)?fc or proj$.
    expect(['h.0.c_fc', 'h.0.c_proj', 'h.0.fc', 'h.0.proj', 'h.0.fc.x'].map((p) => rankAndAlpha(parse({ rank_pattern: { 'fc|proj': 2 } }), p).r)).toEqual([8, 8, 2, 2, 8]);
  });

  test.each([
    [{ target_modules: '([' }, "target_modules: invalid regex \"([\" at position 1: unterminated character set: expected ']' before the end of the pattern"],
    [{ target_modules: 'q_proj|(' }, 'target_modules: invalid regex "q_proj|(" at position 7: missing \')\': the group opened here is not closed'],
    [{ exclude_modules: 'a{1001}' }, 'exclude_modules: invalid regex "a{1001}" at position 1: expected counted repetitions of at most 1000, found {1001}'],
    [{ rank_pattern: { q: 2, '(["': 4 } }, "rank_pattern['([\"']: invalid regex \"([\\\"\" at position 1: unterminated character set"],
    [{ alpha_pattern: { '(v)\\1': 2 } }, "alpha_pattern['(v)\\1']: invalid regex \"(v)\\\\1\" at position 3: backreferences ('\\1') are not supported"],
  ])('a bad pattern in %j is an InvalidPatternError at parse time that names the field: %s', (raw, message) => {
    expect(() => parse(raw)).toThrow(InvalidPatternError);
    expect(() => parse(raw)).toThrow(message);
    expect(() => parsePeftConfig({ peft_type: 'LORA', target_modules: ['q'], ...raw })).toThrow(message);
  });

  test('catastrophic-backtracking patterns parse and match in bounded time', () => {
    const started = performance.now();
    const config = parse({ target_modules: '(.*.*)*X', rank_pattern: { '(a+)+$': 2, '(x+x+)+y': 3, 'a(a|a)*': 5 } });
    expect(rankAndAlpha(config, `${'a'.repeat(40)}!`).r).toBe(8);
    expect(rankAndAlpha(config, `m.${'x'.repeat(40)}`).r).toBe(8);
    expect(rankAndAlpha(config, `m.${'a'.repeat(40)}`).r).toBe(2);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
