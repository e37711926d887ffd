/**
 * peft's default target_modules per architecture, for every method
 * (peft's TRANSFORMERS_MODELS_TO_<METHOD>_TARGET_MODULES_MAPPING and, for IA3,
 * ..._FEEDFORWARD_MODULES_MAPPING), for the architectures peftjs knows: LoRA,
 * IA3 and LN tuning.
 *
 * peft keys these tables by the Hugging Face `model_type`, and so do we. A
 * model says its type through `config.modelType` (or `config.model_type`);
 * without one it is known by its class name (`GPT2...`, `Bert...`,
 * `Llama...`) or, where a minifier renamed the class, by its block's module
 * names. peft has no entry for DistilBERT or Phi-3, so neither do we.
 */
import type { AnyModule } from '../nn/module';
import { adaptableModules } from './targets';

/** The Hugging Face model types with peft defaults that peftjs knows. */
export type KnownArchitecture = 'gpt2' | 'bert' | 'roberta' | 'llama' | 'mistral' | 'gemma' | 'gemma2' | 'gemma3_text' | 'qwen2' | 'qwen3';

export interface DefaultTargets {
  readonly target_modules: readonly string[];
  /** IA3 only: the targets scaled on their input. */
  readonly feedforward_modules?: readonly string[];
}

const Q_V = { target_modules: ['q_proj', 'v_proj'] };
// peft scales k and v for Llama and Mistral, but q and v for Gemma and Qwen: its tables differ, so ours do.
const IA3_K_V_DOWN = { target_modules: ['k_proj', 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'] };
const IA3_Q_V_DOWN = { target_modules: ['q_proj', 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'] };
const BERT_IA3 = { target_modules: ['key', 'value', 'output.dense'], feedforward_modules: ['output.dense'] };

// peft's TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING: peft has no entry for BERT, RoBERTa or the newer Gemmas.
const LLAMA_NORMS = { target_modules: ['input_layernorm', 'post_attention_layernorm', 'norm'] };
const QWEN_NORMS = { target_modules: ['post_attention_layernorm'] };

// A method's table may leave architectures out (peft's tables differ per method): those get no default.
const DEFAULTS: Readonly<Record<string, Readonly<Partial<Record<KnownArchitecture, DefaultTargets>>>>> = {
  LORA: {
    gpt2: { target_modules: ['c_attn'] },
    bert: { target_modules: ['query', 'value'] },
    roberta: { target_modules: ['query', 'value'] },
    llama: Q_V,
    mistral: Q_V,
    gemma: Q_V,
    gemma2: Q_V,
    gemma3_text: Q_V,
    qwen2: Q_V,
    qwen3: Q_V,
  },
  IA3: {
    // GPT-2's c_attn projects q, k and v at once: peft scales all three outputs (the paper scales k and v only).
    gpt2: { target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'] },
    bert: BERT_IA3,
    roberta: BERT_IA3,
    llama: IA3_K_V_DOWN,
    mistral: IA3_K_V_DOWN,
    gemma: IA3_Q_V_DOWN,
    gemma2: IA3_Q_V_DOWN,
    gemma3_text: IA3_Q_V_DOWN,
    qwen2: IA3_Q_V_DOWN,
    qwen3: IA3_Q_V_DOWN,
  },
  LN_TUNING: {
    gpt2: { target_modules: ['ln_1', 'ln_2', 'ln_f'] },
    llama: LLAMA_NORMS,
    mistral: LLAMA_NORMS,
    gemma: LLAMA_NORMS,
    qwen2: QWEN_NORMS,
    qwen3: QWEN_NORMS,
  },
};

const KNOWN_TYPES = new Set<string>(Object.keys(DEFAULTS.LORA));

// Class names are checked only when the config names no type; the Llama-family classes of one
// implementation may serve several types, so their config is what tells them apart.
const BY_CLASS_NAME: Array<[RegExp, KnownArchitecture]> = [
  [/^GPT2/, 'gpt2'],
  [/^Bert/, 'bert'],
  [/^Roberta/, 'roberta'],
  [/^Llama/, 'llama'],
  [/^Mistral/, 'mistral'],
  [/^Gemma/, 'gemma'],
  [/^Qwen2/, 'qwen2'],
  [/^Qwen3/, 'qwen3'],
];

const BLOCK_CHILDREN: Array<[KnownArchitecture, readonly string[]]> = [
  ['gpt2', ['ln_1', 'attn', 'ln_2', 'mlp']],
  ['bert', ['attention', 'intermediate', 'output']],
  ['llama', ['self_attn', 'mlp', 'input_layernorm', 'post_attention_layernorm']],
];

/** The Hugging Face model type a model's config declares, if it is a string. */
function declaredModelType(model: AnyModule): string | undefined {
  const config = (model as { config?: { modelType?: unknown; model_type?: unknown } }).config;
  const type = config?.modelType ?? config?.model_type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Which architecture with peft defaults `model` is, if any. A declared model
 * type decides alone: a model that says `phi3` gets no defaults even though
 * its layers look like Llama's, as in peft.
 */
export function knownArchitecture(model: AnyModule): KnownArchitecture | undefined {
  const declared = declaredModelType(model);
  if (declared !== undefined) return KNOWN_TYPES.has(declared) ? (declared as KnownArchitecture) : undefined;
  const byName = BY_CLASS_NAME.find(([pattern]) => pattern.test(model.constructor.name));
  if (byName !== undefined) return byName[1];
  const modules = adaptableModules(model).map(([, module]) => new Set(module.namedChildren().map(([name]) => name)));
  return BLOCK_CHILDREN.find(([, names]) => modules.some((children) => names.every((name) => children.has(name))))?.[0];
}

/** peft's default targets of method `peftType` for `model`, or undefined where peftjs knows none (the config must name them). */
export function defaultTargetModules(model: AnyModule, peftType: string): DefaultTargets | undefined {
  const architecture = knownArchitecture(model);
  if (architecture === undefined || !Object.hasOwn(DEFAULTS, peftType)) return undefined;
  const known = DEFAULTS[peftType][architecture];
  if (known === undefined) return undefined;
  return { target_modules: [...known.target_modules], ...(known.feedforward_modules ? { feedforward_modules: [...known.feedforward_modules] } : {}) };
}
