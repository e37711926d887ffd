/**
 * Chat templates rendered as transformers renders them: Llama 3's and Qwen2's
 * (ChatML) to exact strings, the named-template form, and templates that fail.
 */
import { InvalidArgumentError } from '@peftjs/core';
import { BYTE_LEVEL_IDS, CHATML_TEMPLATE, LLAMA3_CONFIG, llama3Id, llama3TokenizerJson, QWEN_CONFIG, qwenId, qwenTokenizerJson } from '../../test/hf-tokenizer-fixtures';
import { HF_TOKENIZER_LIMITS } from './hf-limits';
import { HFTokenizer } from './hf-tokenizer';
import { ChatTemplateError, TokenizerFormatError } from './tokenizer-errors';

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
const llama3 = HFTokenizer.fromFiles({ tokenizer: llama3TokenizerJson(), tokenizerConfig: LLAMA3_CONFIG });
const qwen = HFTokenizer.fromFiles({ tokenizer: qwenTokenizerJson(), tokenizerConfig: QWEN_CONFIG });
const withTemplate = (chat_template: unknown) => HFTokenizer.fromFiles({ tokenizer: qwenTokenizerJson(), tokenizerConfig: { ...QWEN_CONFIG, chat_template } });

const CHAT = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: '  Hello world  ' },
];

test('Llama 3: bos_token from the config, trimmed contents, with and without the generation prompt', () => {
  const body = '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello world<|eot_id|>';
  expect(llama3.applyChatTemplate(CHAT)).toBe(body);
  expect(llama3.applyChatTemplate(CHAT, { addGenerationPrompt: true })).toBe(`${body}<|start_header_id|>assistant<|end_header_id|>\n\n`);
});

test('Llama 3: the ids hold one <|begin_of_text|>, the template\'s, not a second from the post-processor', () => {
  const ids = llama3.encodeChat([{ role: 'user', content: 'Hello world' }], { addGenerationPrompt: true });
  const [bos, start, end, eot] = ['<|begin_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'].map(llama3Id);
  expect(ids).toEqual([bos, start, ...ascii('user'), end, 10, 10, BYTE_LEVEL_IDS.Hello, BYTE_LEVEL_IDS['Ġworld'], eot, start, ...ascii('assistant'), end, 10, 10]);
  expect(llama3.encode('Hello world')).toEqual([bos, BYTE_LEVEL_IDS.Hello, BYTE_LEVEL_IDS['Ġworld']]);
});

test('Qwen2 ChatML: the default system turn when there is none, with and without the generation prompt', () => {
  const user = [{ role: 'user', content: 'Hello world' }];
  const body = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello world<|im_end|>\n';
  expect(qwen.applyChatTemplate(user)).toBe(body);
  expect(qwen.applyChatTemplate(user, { addGenerationPrompt: true })).toBe(`${body}<|im_start|>assistant\n`);
  expect(qwen.applyChatTemplate(CHAT)).toBe('<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\n  Hello world  <|im_end|>\n');
  expect(qwen.encodeChat(CHAT).slice(0, 3)).toEqual([qwenId('<|im_start|>'), ...ascii('sy')]);
  expect(qwen.chatTemplateNames).toEqual(['default']);
});

test('the named form: tool_use when tools are given, default otherwise, any by name; tools is none without tools', () => {
  const tokenizer = withTemplate([
    { name: 'default', template: 'D{% if tools is none %}-no tools-{% endif %}{{ eos_token }}' },
    { name: 'tool_use', template: 'T{{ tools | length }}{{ tools[0].name }}' },
    { name: 'rag', template: "R{{ documents[0].title }}{{ 'think' if enable_thinking else 'direct' }}" },
  ]);
  expect(tokenizer.chatTemplateNames).toEqual(['default', 'tool_use', 'rag']);
  expect(tokenizer.applyChatTemplate([])).toBe('D-no tools-<|im_end|>');
  expect(tokenizer.applyChatTemplate([], { tools: [{ name: 'weather' }] })).toBe('T1weather');
  expect(tokenizer.applyChatTemplate([], { templateName: 'rag', documents: [{ title: 'Doc' }], variables: { enable_thinking: false } })).toBe('RDocdirect');
  expect(() => tokenizer.applyChatTemplate([], { templateName: 'nope' })).toThrow(/expected one named 'nope', found only \['default', 'tool_use', 'rag'\]/);
});

test('a template that raises, does not parse, asks for a huge range or renders too much is a ChatTemplateError', () => {
  const raising = withTemplate("{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation roles must alternate user/assistant') }}{% endif %}");
  expect(() => raising.applyChatTemplate([{ role: 'assistant', content: 'x' }])).toThrow(ChatTemplateError);
  expect(() => raising.applyChatTemplate([{ role: 'assistant', content: 'x' }])).toThrow(/raises 'Conversation roles must alternate user\/assistant'/);
  expect(() => withTemplate('{% for i in range(100000000) %}{% endfor %}').applyChatTemplate([])).toThrow(/range\(\): expected at most 1048576 items, found 100000000/);
  const before = new Date().getFullYear();
  const year = withTemplate("{{ strftime_now('%Y') }}").applyChatTemplate([]);
  expect([String(before), String(new Date().getFullYear())]).toContain(year); // the library's strftime_now, still reachable
  expect(withTemplate('{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}').applyChatTemplate(CHAT)).toBe('2');
  expect(() => withTemplate('{% for %}').applyChatTemplate([])).toThrow(/expected a Jinja template, found one that does not parse/);
  const flood = withTemplate(`{% for i in range(200000) %}{{ '${'x'.repeat(100)}' }}{% endfor %}`);
  expect(() => flood.applyChatTemplate([])).toThrow(/expected at most 16777216 rendered characters, found 20000000/);
  expect(withTemplate('{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}').applyChatTemplate([])).toBe('012531');
});

test('bad messages and oversized templates are typed errors', () => {
  expect(() => qwen.applyChatTemplate([{ content: 'no role' } as never])).toThrow(InvalidArgumentError);
  expect(() => qwen.applyChatTemplate([{ content: 'no role' } as never])).toThrow(/messages\[0\]: expected \{ role: string, content \}, found role undefined/);
  expect(() => qwen.applyChatTemplate([], { variables: { messages: [], enable_thinking: true } })).toThrow(/expected names other than .*, found 'messages'/);
  expect(() => qwen.applyChatTemplate('hi' as never)).toThrow(/expected an array of \{ role, content \}, found the string 'hi'/);
  const cyclic: Record<string, unknown> = { role: 'user' };
  cyclic.self = cyclic;
  expect(() => qwen.applyChatTemplate([cyclic as never])).toThrow(/expected JSON-serialisable values/);
  expect(() => withTemplate('x'.repeat(HF_TOKENIZER_LIMITS.templateChars + 1))).toThrow(TokenizerFormatError);
  expect(() => withTemplate(42)).toThrow(/tokenizer_config.json 'chat_template': expected a string, a list of \{ name, template \} or null, found number 42/);
  const none = HFTokenizer.fromFiles({ tokenizer: qwenTokenizerJson() });
  expect(() => none.applyChatTemplate([])).toThrow(/expected a tokenizer_config.json with a chat_template, found none/);
  expect(CHATML_TEMPLATE.length).toBeLessThan(HF_TOKENIZER_LIMITS.templateChars);
});

test('Llama 3 decode cleans up tokenization spaces as its config asks', () => {
  const ids = llama3.encode('Hello ,world', { addSpecialTokens: false });
  expect(llama3.decode(ids)).toBe('Hello,world');
  expect(llama3.decode(ids, { cleanUpTokenizationSpaces: false })).toBe('Hello ,world');
});
