/**
 * What adding one adapter may allocate and change, checked before it happens
 * and undone if the add fails (see InjectionContext.checkPlannedParameters and
 * preserveBaseParameter). A config from a file is untrusted: `r: 2e6` in a 1 KB
 * config must fail on the file's header, not after allocating 865 MB, and a
 * load that fails after PiSSA rewrote the base weights must put them back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError, PeftError, ShapeMismatchError } from '../errors';
import { PEFT_MODEL_PREFIX } from '../io/peft/tensor-names';
import type { Parameter } from '../nn/parameter';
import { quoteText } from '../util/quote';
import { peftFileNameOf } from './adapter-files';
import type { PeftConfig } from './config/schema';
import { AdapterTensorMismatchError } from './errors';
import type { PlannedParameter } from './method';
import type { PeftModel } from './peft-model';

/** tfjs indexes tensors with int32, and JS typed arrays stop near there too. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

export class AdapterPlan {
  private planned: readonly PlannedParameter[] | undefined;
  private readonly preserved = new Map<Parameter, tf.Tensor>();
  private readonly fileShapes: ReadonlyMap<string, readonly number[]> | undefined;

  constructor(
    private readonly model: PeftModel<never, unknown>,
    private readonly config: PeftConfig,
    private readonly adapterName: string,
    weights: Readonly<Record<string, tf.Tensor>> | undefined,
  ) {
    this.fileShapes = weights === undefined ? undefined : new Map(Object.entries(weights).map(([name, tensor]) => [name, tensor.shape]));
  }

  private get what(): string {
    return `${this.config.peft_type} adapter '${this.adapterName}'`;
  }

  /** Every planned shape can be allocated and, for a load, is the file's. Several calls add up. */
  check(planned: readonly PlannedParameter[]): void {
    for (const { path, shape } of planned) {
      const valid = shape.every((d) => Number.isSafeInteger(d) && d >= 0);
      const elements = valid ? shape.reduce((a, b) => a * b, 1) : NaN;
      if (!valid || !(elements <= MAX_TENSOR_ELEMENTS)) {
        throw new InvalidArgumentError(
          `${this.what}: parameter '${path}' would have shape [${shape.join(', ')}]${valid ? ` (${elements.toExponential(2)} elements)` : ''}; ` +
            `expected integer sizes with at most ${MAX_TENSOR_ELEMENTS} elements per tensor: check the config's sizes (r, ...)`,
        );
      }
    }
    if (this.fileShapes !== undefined) this.checkAgainstFile(planned, this.fileShapes);
    // A method and the training aids its config asks for (trainable_token_indices) each plan their own parameters.
    this.planned = [...(this.planned ?? []), ...planned];
  }

  private checkAgainstFile(planned: readonly PlannedParameter[], fileShapes: ReadonlyMap<string, readonly number[]>): void {
    for (const { path, shape } of planned) {
      const fileName = peftFileNameOf(this.model, this.config, this.adapterName, `${PEFT_MODEL_PREFIX}${path}`);
      if (fileName == null) continue; // not written as is: nothing in the file to compare
      const inFile = fileShapes.get(fileName);
      if (inFile === undefined) {
        throw new AdapterTensorMismatchError(`${this.what}: the config implies tensor ${quoteText(fileName)}, which the file does not hold`);
      }
      if (!tf.util.arraysEqual([...inFile], [...shape])) {
        throw new ShapeMismatchError(`${this.what}: tensor ${quoteText(fileName)} (its shape follows from the config)`, shape, [...inFile]);
      }
    }
  }

  /** Keeps the value of a base parameter about to be rewritten, once. */
  preserve(parameter: Parameter): void {
    if (!this.preserved.has(parameter)) this.preserved.set(parameter, tf.clone(parameter.variable));
  }

  /** Writes every preserved base value back, bit for bit. */
  restoreBase(): void {
    for (const [parameter, value] of this.preserved) parameter.assign(value);
  }

  /** After injection: the method added exactly the parameters it planned (a method bug otherwise). */
  assertHeld(state: ReadonlyArray<[string, Parameter]>): void {
    if (this.planned === undefined) return;
    const shapes = new Map(state.map(([path, parameter]) => [path.startsWith(PEFT_MODEL_PREFIX) ? path.slice(PEFT_MODEL_PREFIX.length) : path, parameter.shape]));
    for (const { path, shape } of this.planned) {
      const actual = shapes.get(path);
      if (actual === undefined || !tf.util.arraysEqual(actual, [...shape])) {
        throw new PeftError(
          'PLAN_MISMATCH',
          `${this.what}: the method planned '${path}' as [${shape.join(', ')}] but added ${actual === undefined ? 'no such parameter' : `[${actual.join(', ')}]`} (a bug in the method)`,
        );
      }
    }
  }

  dispose(): void {
    tf.dispose([...this.preserved.values()]);
    this.preserved.clear();
  }
}
