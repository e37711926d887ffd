/**
 * Training aids any method's config can ask for by one key, as peft's
 * AuxiliaryTrainingWrapper family: `trainable_token_indices` in a LoRA config
 * asks for peft's TrainableTokensWrapper, which @peftjs/adapters provides. A
 * package registers the aid; for every config whose key is set (not absent,
 * not null) core runs it right after the method injected, in the same
 * InjectionContext, so a failing add is rolled back with the method's changes.
 * Core holds no aid of its own: the key is data, the aid the package's.
 */
import { InvalidArgumentError } from '../errors';
import { globalState } from '../util/global-state';
import type { PeftConfig } from './config/schema';
import type { InjectionContext } from './method';

export interface AuxiliaryTraining {
  /** The config key that asks for it (`trainable_token_indices`). */
  readonly configKey: string;
  /** Tensor-key prefixes of the parameters it adds, for their file names (as PeftMethod.tensorKeyPrefixes). */
  readonly tensorKeyPrefixes: readonly string[];
  /** Adds the aid for `context.adapterName`; reads its settings from `context.config[configKey]`. */
  inject(context: InjectionContext): void;
}

const aids = globalState('peft-auxiliary-training', () => new Map<string, AuxiliaryTraining>());

/** Registers an aid. The same object again is a no-op (a package imported twice); another one under a taken key is an error. */
export function registerAuxiliaryTraining(aid: AuxiliaryTraining): void {
  const existing = aids.get(aid.configKey);
  if (existing === aid) return;
  if (existing !== undefined) throw new InvalidArgumentError(`a training aid for config key '${aid.configKey}' is already registered`);
  aids.set(aid.configKey, aid);
}

/** The aid registered for `configKey`, if any. */
export function auxiliaryTraining(configKey: string): AuxiliaryTraining | undefined {
  return aids.get(configKey);
}

/** The aids `config` asks for: registered keys it sets. */
export function auxiliaryTrainingFor(config: PeftConfig): AuxiliaryTraining[] {
  const values = config as unknown as Record<string, unknown>;
  return [...aids.values()].filter((aid) => Object.hasOwn(values, aid.configKey) && values[aid.configKey] != null);
}
