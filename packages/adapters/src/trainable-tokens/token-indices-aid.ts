/**
 * `trainable_token_indices` in another method's config (LoRA's), as peft's
 * `set_additional_trainable_modules`: a list trains those rows of the input
 * embedding; an object maps module names (matched on the end of the path, at
 * a dot) to their rows. Each becomes a TrainableTokensWrapper, peft's layout,
 * and modules tied to an adapted embedding follow it (peft's tied wrappers,
 * which save nothing of their own); `ensure_weight_tying` decides for a tied
 * module the object names itself (see inject.ts). Registered with core as a training aid,
 * so any method's config may carry the key.
 */
import { InvalidArgumentError, NotFoundError, adaptableModules, closestNames, matchesModuleKey, quoteText, quoteValue, type AuxiliaryTraining, type InjectionContext } from '@peftjs/core';
import { TokenIndicesError } from '../errors';
import { injectTrainableTokens, type TokenTarget } from './inject';
import { inputEmbeddingsName } from './input-embeddings';

export const TRAINABLE_TOKEN_INDICES = 'trainable_token_indices';

function pathsNamed(context: InjectionContext, name: string): string[] {
  const paths = adaptableModules(context.model).map(([path]) => path);
  const found = paths.filter((path) => matchesModuleKey([name], path));
  if (found.length === 0) {
    throw new NotFoundError(`${context.config.peft_type} '${TRAINABLE_TOKEN_INDICES}': module ${quoteText(name)} is not in the model`, closestNames(name.slice(0, 120), paths));
  }
  return found;
}

function targetsOf(context: InjectionContext, spec: unknown): TokenTarget[] {
  if (Array.isArray(spec)) return pathsNamed(context, inputEmbeddingsName(context.model)).map((path) => ({ path, indices: spec as number[] }));
  if (typeof spec !== 'object' || spec === null) {
    throw new TokenIndicesError(`'${TRAINABLE_TOKEN_INDICES}': expected a list of token indices or an object of module name -> token indices, found ${quoteValue(spec)}`);
  }
  const saved = context.config.modules_to_save ?? [];
  return Object.entries(spec).flatMap(([name, indices]) => {
    // peft refuses it: a module trained whole (modules_to_save) cannot also train some rows.
    if (saved.includes(name)) {
      throw new InvalidArgumentError(`'${TRAINABLE_TOKEN_INDICES}': ${quoteText(name)} is also in modules_to_save; train it whole or train some of its tokens, not both`);
    }
    return pathsNamed(context, name).map((path) => ({ path, indices: indices as number[] }));
  });
}

export const trainableTokenIndicesAid: AuxiliaryTraining = {
  configKey: TRAINABLE_TOKEN_INDICES,
  tensorKeyPrefixes: ['trainable_tokens_'],
  inject(context) {
    const config = context.config as unknown as Record<string, unknown>;
    // peft's wrapper starts the rows as copies (init_weights true): a no-op until trained.
    injectTrainableTokens(context, targetsOf(context, config[TRAINABLE_TOKEN_INDICES]), { initWeights: true, layout: 'wrapper', ensureWeightTying: config.ensure_weight_tying === true });
  },
};
