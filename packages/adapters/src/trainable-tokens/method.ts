/**
 * Trainable tokens as a core PEFT method, as peft's TrainableTokensModel:
 * targets by peft's rules (default: the model's input embedding), each an
 * Embedding whose `token_indices` rows train; modules tied to it follow.
 *
 * Files as peft writes them: `<embedding>.trainable_tokens_delta` [n, dim],
 * and, for each tied module, `<module>.trainable_tokens_delta` holding the
 * same rows again (peft saves the shared tensor under both paths, cloned
 * since safetensors allows no aliases; see PeftMethod.tiedFileNames).
 */
import { findTargetModules, type AnyModule, type InjectionContext, type PeftMethod } from '@peftjs/core';
import { TRAINABLE_TOKENS, trainableTokensConfigSchema, type TrainableTokensConfig } from './config';
import { injectTrainableTokens } from './inject';
import { inputEmbeddingsName } from './input-embeddings';
import { isTrainableTokensLayer } from './layer';

function injectTokens(context: InjectionContext<TrainableTokensConfig>): void {
  const { model, config } = context;
  config.target_modules ??= inputEmbeddingsName(model);
  const paths = findTargetModules(model, config, { method: TRAINABLE_TOKENS });
  // peft's TrainableTokensModel ties the modules tied to a target, but a module targeted itself trains apart.
  injectTrainableTokens(context, paths.map((path) => ({ path, indices: config.token_indices })), { initWeights: config.init_weights, layout: 'layer', ensureWeightTying: false });
}

/** Each tied layer's file name, pointing at its source's (`model` is the PeftModel: its paths are peft's file names). */
function tiedFileNames(model: AnyModule, adapterName: string): Map<string, string> {
  const modules = model.namedModules();
  const pathOf = new Map(modules.map(([path, module]) => [module, path]));
  const names = new Map<string, string>();
  for (const [path, module] of modules) {
    if (!isTrainableTokensLayer(module) || module.source === undefined || !module.hasAdapter(adapterName)) continue;
    const sourcePath = pathOf.get(module.source as unknown as AnyModule);
    if (sourcePath !== undefined) names.set(`${path}.trainable_tokens_delta`, `${sourcePath}.trainable_tokens_delta`);
  }
  return names;
}

export const trainableTokensMethod: PeftMethod<TrainableTokensConfig> = {
  peftType: TRAINABLE_TOKENS,
  schema: trainableTokensConfigSchema,
  tensorKeyPrefixes: ['trainable_tokens_'],
  mergeable: true,
  inject: injectTokens,
  tiedFileNames,
};
