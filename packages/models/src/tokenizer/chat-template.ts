/**
 * tokenizer_config.json's `chat_template`, rendered with @huggingface/jinja as
 * transformers' apply_chat_template renders it: the same variables (messages,
 * tools, documents, add_generation_prompt and the special tokens by role), the
 * same choice among named templates, and every failure a ChatTemplateError.
 */
import { InvalidArgumentError, quoteText } from '@peftjs/core';
import { Template } from '@huggingface/jinja';
import { HF_TOKENIZER_LIMITS } from './hf-limits';
import { isJsonObject, kindOf } from './hf-json';
import { JINJA_GLOBAL_NAMES, renderTemplate } from './jinja-render';
import { ChatTemplateError, TokenizerFormatError } from './tokenizer-errors';

/** One chat turn. `content` is usually a string; multimodal templates take a list of parts. */
export interface ChatMessage {
  readonly role: string;
  readonly content?: unknown;
  readonly [field: string]: unknown;
}

export interface ChatTemplateOptions {
  /** End with the header of an assistant turn, for generation (default false). */
  readonly addGenerationPrompt?: boolean;
  /** Tool descriptions as JSON Schemas; also selects the 'tool_use' template of the named form. */
  readonly tools?: readonly unknown[];
  /** Documents for retrieval-augmented templates. */
  readonly documents?: readonly unknown[];
  /** A template of the named form by name (default: 'tool_use' when tools are given and there is one, else 'default'). */
  readonly templateName?: string;
  /** More template variables (transformers' **kwargs, e.g. `{ enable_thinking: false }`). */
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** The template(s) of a tokenizer_config.json, parsed on first use. */
export class ChatTemplates {
  private readonly parsed = new Map<string, Template>();

  private constructor(private readonly sources: ReadonlyMap<string, string>) {}

  /** From `chat_template`: a string, a list of `{ name, template }`, or an object of name to template; undefined if absent. */
  static fromConfig(value: unknown): ChatTemplates | undefined {
    if (value === undefined || value === null) return undefined;
    const sources = new Map<string, string>();
    const add = (name: unknown, template: unknown, field: string) => {
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw new TokenizerFormatError('tokenizer_config.json', field, `expected { name: string, template: string }, found ${kindOf(template)} named ${kindOf(name)}`);
      }
      if (template.length > HF_TOKENIZER_LIMITS.templateChars) {
        throw new TokenizerFormatError('tokenizer_config.json', field, `expected a template of at most ${HF_TOKENIZER_LIMITS.templateChars} characters, found ${template.length}`);
      }
      sources.set(name, template);
    };
    if (typeof value === 'string') add('default', value, 'chat_template');
    else if (Array.isArray(value)) value.forEach((entry, i) => add(isJsonObject(entry) ? entry.name : undefined, isJsonObject(entry) ? entry.template : entry, `chat_template[${i}]`));
    else if (isJsonObject(value)) for (const [name, template] of Object.entries(value)) add(name, template, `chat_template.${name}`);
    else throw new TokenizerFormatError('tokenizer_config.json', 'chat_template', `expected a string, a list of { name, template } or null, found ${kindOf(value)}`);
    return new ChatTemplates(sources);
  }

  get names(): string[] {
    return [...this.sources.keys()];
  }

  /** transformers' get_chat_template: a name given, else 'tool_use' with tools, else 'default'. */
  select(name: string | undefined, withTools: boolean): Template {
    const chosen = name ?? (withTools && this.sources.has('tool_use') ? 'tool_use' : 'default');
    const source = this.sources.get(chosen);
    if (source === undefined) {
      throw new ChatTemplateError(`chat template: expected one named ${quoteText(chosen, 60)}, found only [${this.names.map((n) => quoteText(n, 60)).join(', ')}]`);
    }
    let template = this.parsed.get(chosen);
    if (template === undefined) {
      try {
        template = new Template(source);
      } catch (error) {
        throw new ChatTemplateError(`chat template ${quoteText(chosen, 60)}: expected a Jinja template, found one that does not parse (${messageOf(error)})`, { cause: error });
      }
      this.parsed.set(chosen, template);
    }
    return template;
  }
}

function messageOf(error: unknown): string {
  return quoteText(error instanceof Error ? error.message : String(error), 200);
}

/** A plain-data copy of what the caller gave, bounded in size: the template sees JSON values only. */
function plainInput(name: string, value: unknown, budget: { left: number }): unknown {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidArgumentError(`applyChatTemplate ${name}: expected JSON-serialisable values, found one that is not (${messageOf(error)})`);
  }
  budget.left -= text.length;
  if (budget.left < 0) {
    throw new InvalidArgumentError(`applyChatTemplate: expected messages, tools and documents of at most ${HF_TOKENIZER_LIMITS.chatInputChars} characters as JSON, found more`);
  }
  return JSON.parse(text);
}

function checkMessages(messages: unknown): void {
  if (!Array.isArray(messages)) throw new InvalidArgumentError(`applyChatTemplate messages: expected an array of { role, content }, found ${kindOf(messages)}`);
  messages.forEach((message, i) => {
    if (!isJsonObject(message) || typeof message.role !== 'string') {
      throw new InvalidArgumentError(`applyChatTemplate messages[${i}]: expected { role: string, content }, found ${isJsonObject(message) ? `role ${kindOf(message.role)}` : kindOf(message)}`);
    }
  });
}

function checkList(name: string, value: unknown): void {
  if (value !== undefined && !Array.isArray(value)) throw new InvalidArgumentError(`applyChatTemplate ${name}: expected an array, found ${kindOf(value)}`);
}

// Names the template's own variables and @huggingface/jinja's globals take: a variable of the same name would not reach the template.
const RESERVED = ['messages', 'tools', 'documents', 'add_generation_prompt', ...JINJA_GLOBAL_NAMES];

function checkVariables(variables: unknown): void {
  if (variables === undefined) return;
  if (!isJsonObject(variables)) throw new InvalidArgumentError(`applyChatTemplate variables: expected an object, found ${kindOf(variables)}`);
  const taken = Object.keys(variables).filter((name) => RESERVED.includes(name));
  if (taken.length > 0) {
    throw new InvalidArgumentError(`applyChatTemplate variables: expected names other than ${RESERVED.join(', ')}, found ${taken.map((name) => quoteText(name, 40)).join(', ')}`);
  }
}

export function renderChatTemplate(
  templates: ChatTemplates,
  messages: readonly ChatMessage[],
  options: ChatTemplateOptions,
  specialTokens: Readonly<Record<string, string | readonly string[]>>,
): string {
  checkMessages(messages);
  checkList('tools', options.tools);
  checkList('documents', options.documents);
  checkVariables(options.variables);
  const template = templates.select(options.templateName, options.tools !== undefined);
  const budget = { left: HF_TOKENIZER_LIMITS.chatInputChars };
  const variables = {
    ...specialTokens,
    ...(plainInput('variables', options.variables ?? {}, budget) as Record<string, unknown>),
    // transformers passes None for absent tools and documents: templates test `tools is none`.
    messages: plainInput('messages', messages, budget),
    tools: options.tools === undefined ? null : plainInput('tools', options.tools, budget),
    documents: options.documents === undefined ? null : plainInput('documents', options.documents, budget),
    add_generation_prompt: options.addGenerationPrompt ?? false,
  };
  let rendered: string;
  try {
    // Rendering is synchronous and cannot be interrupted: what is bounded is its input and its output.
    rendered = renderTemplate(template, variables);
  } catch (error) {
    if (error instanceof ChatTemplateError) throw error; // raise_exception and range
    throw new ChatTemplateError(`chat template: expected it to render, found it throws ${messageOf(error)}`, { cause: error });
  }
  if (rendered.length > HF_TOKENIZER_LIMITS.renderedChars) {
    throw new ChatTemplateError(`chat template: expected at most ${HF_TOKENIZER_LIMITS.renderedChars} rendered characters, found ${rendered.length}`);
  }
  return rendered;
}
