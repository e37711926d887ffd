/**
 * Helpers for methods that wrap the base in a PeftModel: load the method's
 * package (which registers its peft_type with core), then getPeftModel.
 */
import { getPeftModel, type PeftModel } from '@peftjs/core';
import type { AnyModel, BuildContext, BuiltModel, FineTuneMethod, TaskInfo } from '../types';
import { loadPackage } from './load-package';

export interface PeftMethodSpec {
  readonly name: string;
  readonly title: string;
  readonly group: string;
  readonly packageName: string;
  /** The peft config for this task (the head goes into modules_to_save unless `keepHead`). */
  config(task: TaskInfo, context: BuildContext): Record<string, unknown>;
  applies?(task: TaskInfo): true | string;
  /** Puts the trained adapter into its saved form (given the loaded package). */
  prepareForSaving?(peft: PeftModel<unknown, unknown>, loaded: Record<string, unknown>): void;
  /** Further adapters to add and activate with the first (composition). */
  more?(task: TaskInfo): Array<{ name: string; packageName: string; config: Record<string, unknown> }>;
}

export async function wrapWithPeft(base: AnyModel, packageName: string, config: Record<string, unknown>): Promise<PeftModel<unknown, unknown>> {
  await loadPackage(packageName);
  return getPeftModel(base, config) as PeftModel<unknown, unknown>;
}

/** A FineTuneMethod from a peft config: the usual shape of a PEFT method's registry entry. */
export function peftMethod(spec: PeftMethodSpec): FineTuneMethod {
  const packages = [spec.packageName];
  return {
    kind: 'finetune',
    name: spec.name,
    title: spec.title,
    group: spec.group,
    packages,
    applies: spec.applies,
    async build(base, context): Promise<BuiltModel> {
      const peft = await wrapWithPeft(base, spec.packageName, spec.config(context.task, context));
      const extra = spec.more?.(context.task) ?? [];
      for (const adapter of extra) {
        await loadPackage(adapter.packageName);
        peft.addAdapter(adapter.name, adapter.config);
      }
      if (extra.length > 0) peft.setAdapter(['default', ...extra.map((a) => a.name)]);
      const loaded = await loadPackage(spec.packageName);
      const prepareForSaving = spec.prepareForSaving ? () => spec.prepareForSaving!(peft, loaded) : undefined;
      return { model: peft as unknown as AnyModel, peft, learningRate: context.task.adapterLearningRate, prepareForSaving };
    },
  };
}

/** The head, trained and saved with the adapter, as peft does for classifiers (modules_to_save). */
export function headToSave(task: TaskInfo): { modules_to_save: string[] } {
  return { modules_to_save: [task.headPath] };
}

export const needsTransformer = (task: TaskInfo): true | string =>
  task.transformer || `needs a transformer with input embeddings; the ${task.name} base is a${/^[aeiou]/.test(task.architecture) ? 'n' : ''} ${task.architecture}`;
