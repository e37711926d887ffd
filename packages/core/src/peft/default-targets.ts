/**
 * peft's default target_modules per architecture, for every method
 * (peft's TRANSFORMERS_MODELS_TO_<METHOD>_TARGET_MODULES_MAPPING and, for IA3,
 * ..._FEEDFORWARD_MODULES_MAPPING), for the architectures peftjs knows.
 *
 * An architecture is known by its class name (`GPT2...`, `Bert...`,
 * `Roberta...`) or, where a minifier renamed the class, by its block's module
 * names (a GPT-2 block has ln_1, attn, ln_2, mlp; a BERT layer attention,
 * intermediate, output). peft has no entry for DistilBERT, so neither do we.
 */
import type { AnyModule } from '../nn/module';
import { adaptableModules } from './targets';

export type KnownArchitecture = 'gpt2' | 'bert';

export interface DefaultTargets {
  readonly target_modules: readonly string[];
  /** IA3 only: the targets scaled on their input. */
  readonly feedforward_modules?: readonly string[];
}

const DEFAULTS: Readonly<Record<string, Readonly<Record<KnownArchitecture, DefaultTargets>>>> = {
  LORA: {
    gpt2: { target_modules: ['c_attn'] },
    bert: { target_modules: ['query', 'value'] },
  },
  IA3: {
    // GPT-2's c_attn projects q, k and v at once: peft scales all three outputs (the paper scales k and v only).
    gpt2: { target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'] },
    bert: { target_modules: ['key', 'value', 'output.dense'], feedforward_modules: ['output.dense'] },
  },
};

const BY_CLASS_NAME: Array<[RegExp, KnownArchitecture]> = [
  [/^GPT2/, 'gpt2'],
  [/^Bert/, 'bert'],
  [/^Roberta/, 'bert'],
];

const BLOCK_CHILDREN: Array<[KnownArchitecture, readonly string[]]> = [
  ['gpt2', ['ln_1', 'attn', 'ln_2', 'mlp']],
  ['bert', ['attention', 'intermediate', 'output']],
];

/** Which architecture with peft defaults `model` is, if any. */
export function knownArchitecture(model: AnyModule): KnownArchitecture | undefined {
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
  return { target_modules: [...known.target_modules], ...(known.feedforward_modules ? { feedforward_modules: [...known.feedforward_modules] } : {}) };
}
