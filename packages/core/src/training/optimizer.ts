/**
 * The optimiser contract. peftjs writes its own optimisers instead of using
 * tfjs' so that (1) every piece of state is an explicit, named tensor that a
 * checkpoint can save and restore bit for bit, (2) the learning rate is an
 * argument of each step, so a schedule can drive it, and (3) the formulas are
 * PyTorch's, which is what fine-tuning recipes are tuned for.
 *
 * State is created lazily, per parameter, on the first step that updates it
 * (as in PyTorch): a frozen parameter never reaches the optimiser, so it never
 * costs optimiser memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors';
import { brandClass } from '../util/brand';
import { nonNegativeNumber, positiveNumber } from './check';
import { TrainingOptionError } from './errors';
import { checkParameterGroups, type ParameterGroup, type ParameterGroups } from './parameter-groups';

/** One parameter's gradient for one step. */
export interface GradientUpdate {
  /** Keys the optimiser state: the parameter's dotted path, stable across runs so checkpoints line up. */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly gradient: tf.Tensor;
}

/** The state kept for one parameter: how often it was updated, and its slot tensors (PyTorch's names: exp_avg, ...). */
export interface ParameterState {
  step: number;
  readonly slots: Map<string, tf.Variable>;
}

/** A snapshot of the optimiser for checkpoints. The tensors are the live state: copy them if they must outlive the optimiser. */
export interface OptimizerState {
  readonly name: string;
  /** Hyperparameters, recorded with checkpoints for the reader; not restored (the resuming run's options win). */
  readonly config: Readonly<Record<string, number | boolean>>;
  readonly parameters: Readonly<Record<string, { readonly step: number; readonly slots: Readonly<Record<string, tf.Tensor>> }>>;
}

export abstract class Optimizer {
  static {
    brandClass(this, 'core', 'Optimizer');
  }

  /** The kind, as `createOptimizer` names it ('adam', 'adamw', 'sgd'). */
  abstract readonly name: string;
  /** The base learning rate; a schedule scales it per step. */
  readonly learningRate: number;
  private readonly states = new Map<string, ParameterState>();
  private readonly groups: ParameterGroups;

  protected constructor(learningRate: number, what: string, parameterGroups?: readonly ParameterGroup[]) {
    this.learningRate = positiveNumber(`${what} learningRate`, learningRate);
    this.groups = checkParameterGroups(parameterGroups, this.learningRate, what);
  }

  /** Hyperparameters, for checkpoints and logs. */
  abstract config(): Record<string, number | boolean>;

  /**
   * Updates one parameter in place (variable.assign) from its gradient. Runs
   * inside the tf.tidy of `applyGradients`: intermediate tensors need no care.
   * `learningRate` is already the parameter group's; `weightDecay` is the
   * group's, or undefined for the optimiser's own.
   */
  protected abstract update(variable: tf.Variable, gradient: tf.Tensor, state: ParameterState, learningRate: number, weightDecay: number | undefined): void;

  /**
   * Applies one step to every parameter given. `learningRate` defaults to the
   * base rate; a schedule passes the scaled one (0 is allowed: warm-up starts there).
   */
  applyGradients(updates: readonly GradientUpdate[], learningRate: number = this.learningRate): void {
    nonNegativeNumber(`${this.constructor.name} step learningRate`, learningRate);
    for (const { name, variable, gradient } of updates) {
      if (!tf.util.arraysEqual(variable.shape, gradient.shape)) throw new ShapeMismatchError(`gradient of '${name}'`, variable.shape, gradient.shape);
      for (const [slot, value] of this.states.get(name)?.slots ?? []) {
        if (!tf.util.arraysEqual(variable.shape, value.shape)) throw new ShapeMismatchError(`optimizer state '${name}.${slot}'`, variable.shape, value.shape);
      }
    }
    tf.tidy(() => {
      for (const { name, variable, gradient } of updates) {
        let state = this.states.get(name);
        if (state === undefined) {
          state = { step: 0, slots: new Map() };
          this.states.set(name, state);
        }
        state.step += 1;
        const group = this.groups.settingsOf(name);
        this.update(variable, gradient, state, learningRate * group.learningRateFactor, group.weightDecay);
      }
    });
  }

  /** The slot variable `slot` of a parameter, created from `initial()` the first time (inside the step's tidy). */
  protected slot(state: ParameterState, slot: string, initial: () => tf.Tensor): tf.Variable {
    let variable = state.slots.get(slot);
    if (variable === undefined) {
      // Non-trainable, so that tf.variableGrads without a list never differentiates optimiser state.
      variable = tf.variable(initial(), false);
      state.slots.set(slot, variable);
    }
    return variable;
  }

  /** Names of the parameters that have state (those updated at least once). */
  parameterNames(): string[] {
    return [...this.states.keys()];
  }

  /** Elements of optimiser state held, over all parameters. */
  stateSize(): number {
    let size = 0;
    for (const state of this.states.values()) for (const slot of state.slots.values()) size += slot.size;
    return size;
  }

  getState(): OptimizerState {
    const parameters: Record<string, { step: number; slots: Record<string, tf.Tensor> }> = {};
    for (const [name, state] of this.states) parameters[name] = { step: state.step, slots: Object.fromEntries(state.slots) };
    return { name: this.name, config: this.config(), parameters };
  }

  /**
   * Replaces the whole state with copies of `state`'s tensors (the caller keeps
   * ownership of what it passed). The state must come from the same kind of optimiser.
   */
  setState(state: OptimizerState): void {
    if (state.name !== this.name) throw new TrainingOptionError('optimizer state', `state of a '${this.name}' optimizer`, `state of '${state.name}'`);
    for (const [name, entry] of Object.entries(state.parameters)) {
      if (!Number.isSafeInteger(entry.step) || entry.step < 0) {
        throw new TrainingOptionError(`optimizer state '${name}' step`, 'an integer >= 0', entry.step);
      }
    }
    this.disposeState();
    for (const [name, entry] of Object.entries(state.parameters)) {
      const slots = new Map<string, tf.Variable>();
      // A variable shares the (immutable) data of the tensor it is made from, so this copies nothing yet owes nothing to the caller.
      for (const [slot, value] of Object.entries(entry.slots)) slots.set(slot, tf.variable(value, false));
      this.states.set(name, { step: entry.step, slots });
    }
  }

  /** Frees the state; the optimiser can go on and starts afresh. */
  dispose(): void {
    this.disposeState();
  }

  private disposeState(): void {
    for (const state of this.states.values()) for (const slot of state.slots.values()) slot.dispose();
    this.states.clear();
  }
}
