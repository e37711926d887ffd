/**
 * peft's task heads and its modules_to_save rule, for every method.
 *
 * peft's PeftModelForSequenceClassification (and ...ForTokenClassification,
 * ...ForQuestionAnswering) adds its task's head names to modules_to_save, in
 * the model and in the config it saves, whether or not the model has such a
 * head; peft's `_set_trainable` then wraps what matches (by path suffix) and
 * skips names that match nothing. A SEQ_CLS file therefore lists both
 * `classifier` and `score` though a GPT-2 has only `score` and a BERT only
 * `classifier`.
 *
 * peftjs follows that rule, but keeps the helpful error where a name matching
 * nothing is most likely a mistake:
 * - a config that lists modules_to_save of which none matches a module fails;
 * - a name the user gave in code (not read from a file) that matches nothing
 *   fails, unless it is one of its task type's heads: peft writes those into
 *   configs itself, so a config copied from a loaded model lists them too;
 * - a task head the config does not list and the model lacks is skipped.
 */
import { InvalidArgumentError, NotFoundError } from '../errors';
import type { AnyModule } from '../nn/module';
import { closestNames } from '../util/closest';
import { quoteText } from '../util/quote';
import { isAdapterLayer } from './adapter-layer';
import type { PeftConfig } from './config/schema';
import type { InjectionContext } from './method';
import { ModulesToSaveWrapper } from './modules-to-save';
import { adaptableModules, matchesModuleKey } from './targets';

/** peft's classifier module names per task type: new, trained with the adapter, saved whole. */
export const TASK_HEADS: Readonly<Record<string, readonly string[]>> = {
  SEQ_CLS: ['classifier', 'score'],
  TOKEN_CLS: ['classifier', 'score'],
  QUESTION_ANS: ['qa_outputs'],
};

/** The head names peft adds to modules_to_save for `taskType` (none for other tasks). */
export function taskHeads(taskType: string | null | undefined): readonly string[] {
  return (taskType != null && Object.hasOwn(TASK_HEADS, taskType) ? TASK_HEADS[taskType] : undefined) ?? [];
}

/** A module to keep a trainable copy of, found before the method changes the model. */
export interface PlannedSavedModule {
  readonly path: string;
  /** Added by the task-type rule rather than by the config's own names: adapter layers there are left alone. */
  readonly taskHeadOnly: boolean;
}

/**
 * Resolves modules_to_save plus the task heads to module paths, and checks
 * them (see the rule above). Changes nothing: call before the method injects,
 * so a bad name fails before any base weight is touched.
 */
export function planModulesToSave(model: AnyModule, config: PeftConfig, fromFile: boolean): PlannedSavedModule[] {
  const listed = config.modules_to_save ?? [];
  const heads = taskHeads(config.task_type);
  const paths = adaptableModules(model).map(([path]) => path);
  const matches = (name: string) => paths.filter((path) => matchesModuleKey([name], path));
  const notFound = (name: string, why: string) => new NotFoundError(`modules_to_save: ${quoteText(name)} matches no module${why}`, closestNames(name, paths));

  if (listed.length > 0 && listed.every((name) => matches(name).length === 0)) {
    throw notFound(listed[0], listed.length > 1 ? ` (nor does any other of its ${listed.length} names)` : '');
  }
  if (!fromFile) {
    const missing = listed.find((name) => !heads.includes(name) && matches(name).length === 0);
    if (missing !== undefined) throw notFound(missing, ' (given in code; names read from files that match nothing are skipped, as peft does)');
  }
  const planned = new Map<string, PlannedSavedModule>();
  for (const name of listed) for (const path of matches(name)) planned.set(path, { path, taskHeadOnly: false });
  for (const name of heads) for (const path of matches(name)) if (!planned.has(path)) planned.set(path, { path, taskHeadOnly: true });
  return [...planned.values()];
}

/** Wraps the planned modules (after the method injected) in ModulesToSaveWrapper, or adds the adapter's copy to one there. */
export function wrapModulesToSave(context: InjectionContext, planned: readonly PlannedSavedModule[]): void {
  for (const { path, taskHeadOnly } of planned) {
    const module = context.model.getSubmodule(path);
    if (module instanceof ModulesToSaveWrapper) {
      if (!module.hasAdapter(context.adapterName)) module.addCopy(context.adapterName);
    } else if (isAdapterLayer(module)) {
      // A module a method adapts cannot also be saved whole: the copy would hold the
      // adapter's own layer, which unloading never reaches. peft's task heads skip it.
      if (taskHeadOnly) continue;
      throw new InvalidArgumentError(
        `modules_to_save: ${quoteText(path)} is adapted by ${module.peftType}; a module is either adapted or saved whole (remove it from target_modules or from modules_to_save)`,
      );
    } else {
      const wrapper = new ModulesToSaveWrapper(module);
      wrapper.addCopy(context.adapterName);
      context.replaceModule(path, wrapper as unknown as AnyModule);
    }
  }
}
