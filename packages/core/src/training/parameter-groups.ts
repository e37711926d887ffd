/**
 * Parameter groups (PyTorch's `param_groups`): parameters, by name, that step
 * with their own learning rate or weight decay. LoRA+ is the use that asks for
 * them (lora_B learns faster than lora_A), but any method may.
 *
 * A group's learning rate is absolute, as in PyTorch; a schedule scales every
 * group alike (each step uses scheduled rate × group rate / base rate, which is
 * what LambdaLR does to each group's initial rate). The first group whose
 * `parameters` match a name wins; names in no group use the optimiser's own
 * settings.
 */
import { nonNegativeNumber, positiveNumber } from './check';
import { TrainingOptionError } from './errors';

export interface ParameterGroup {
  /** The parameter names (dotted paths, as the training loop names them) in the group, or a test of a name. */
  readonly parameters: readonly string[] | ((name: string) => boolean);
  /** The group's base learning rate; default the optimiser's. */
  readonly learningRate?: number;
  /** The group's weight decay; default the optimiser's. */
  readonly weightDecay?: number;
}

/** What a step of one parameter uses, after its group. */
export interface StepSettings {
  /** Multiplies the step's (scheduled) learning rate. */
  readonly learningRateFactor: number;
  /** undefined: the optimiser's own weight decay. */
  readonly weightDecay: number | undefined;
}

export interface ParameterGroups {
  settingsOf(name: string): StepSettings;
}

const BASE: StepSettings = { learningRateFactor: 1, weightDecay: undefined };

/** Checks `groups` (typed errors naming the group) and returns the lookup the optimiser uses. */
export function checkParameterGroups(groups: unknown, baseLearningRate: number, what: string): ParameterGroups {
  if (groups === undefined) return { settingsOf: () => BASE };
  if (!Array.isArray(groups)) throw new TrainingOptionError(`${what} parameterGroups`, 'an array of { parameters, learningRate?, weightDecay? }', groups);
  const checked = groups.map((group: unknown, i) => {
    const where = `${what} parameterGroups[${i}]`;
    if (group === null || typeof group !== 'object') throw new TrainingOptionError(where, 'an object { parameters, learningRate?, weightDecay? }', group);
    const { parameters, learningRate, weightDecay } = group as Record<string, unknown>;
    let test: (name: string) => boolean;
    if (typeof parameters === 'function') test = parameters as (name: string) => boolean;
    else if (Array.isArray(parameters) && parameters.every((p) => typeof p === 'string')) {
      const names = new Set(parameters as string[]);
      test = (name) => names.has(name);
    } else throw new TrainingOptionError(`${where}.parameters`, 'an array of parameter names or a function of a name', parameters);
    const settings: StepSettings = {
      learningRateFactor: learningRate === undefined ? 1 : positiveNumber(`${where}.learningRate`, learningRate) / baseLearningRate,
      weightDecay: weightDecay === undefined ? undefined : nonNegativeNumber(`${where}.weightDecay`, weightDecay),
    };
    return { test, settings };
  });
  return { settingsOf: (name) => checked.find(({ test }) => test(name))?.settings ?? BASE };
}
