/**
 * Putting a checkpoint back into a freshly built model: trainable parameters,
 * optimiser state, early-stopping state and every RNG state. All checks run
 * before the first write, so a checkpoint that does not fit changes nothing.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeMismatchError } from '../errors';
import type { Parameter } from '../nn/parameter';
import { defaultGenerator, type Generator } from '../nn/random';
import { loadCheckpoint, resolveCheckpoint, type TrainerProgress } from './checkpoint';
import type { EarlyStopping } from './early-stopping';
import { CheckpointError } from './errors';
import type { Optimizer } from './optimizer';

export interface RestoreTarget {
  /** The model's trainable parameters by path: the checkpoint must hold exactly these. */
  readonly parameters: ReadonlyArray<[string, Parameter]>;
  readonly optimizer: Optimizer;
  readonly earlyStopping?: EarlyStopping;
  /** Generators besides the default one, by the names they were saved under. */
  readonly generators?: Readonly<Record<string, Generator>>;
}

/**
 * Loads the checkpoint at `location` (a checkpoint directory, or a root holding
 * `checkpoint-<step>` directories: the newest is used) into `target`, and
 * returns the loop position and history it recorded.
 */
export async function restoreCheckpoint(location: string, target: RestoreTarget): Promise<TrainerProgress> {
  const directory = await resolveCheckpoint(location);
  const loaded = await loadCheckpoint(directory);
  try {
    const expected = target.parameters.map(([path]) => path);
    const missing = expected.filter((p) => !Object.hasOwn(loaded.parameters, p));
    const unexpected = Object.keys(loaded.parameters).filter((p) => !expected.includes(p));
    if (missing.length > 0 || unexpected.length > 0) {
      throw new CheckpointError(
        directory,
        `expected the model's trainable parameters, found a different set (missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}])`,
      );
    }
    for (const [path, parameter] of target.parameters) {
      const value = loaded.parameters[path];
      if (!tf.util.arraysEqual(value.shape, parameter.shape)) throw new ShapeMismatchError(`checkpoint parameter '${path}'`, parameter.shape, value.shape);
    }
    if (loaded.optimizer.name !== target.optimizer.name) {
      throw new CheckpointError(directory, `expected optimizer state of '${target.optimizer.name}', found '${loaded.optimizer.name}'`);
    }
    const { progress } = loaded;
    const generators = target.generators ?? {};
    const unsaved = Object.keys(generators).filter((name) => progress.rng.generators?.[name] === undefined);
    if (unsaved.length > 0) throw new CheckpointError(directory, `expected states for generators [${unsaved.join(', ')}], found none`);

    for (const [path, parameter] of target.parameters) parameter.assign(loaded.parameters[path]);
    target.optimizer.setState(loaded.optimizer);
    if (target.earlyStopping !== undefined && progress.earlyStopping !== undefined) {
      // setState takes ownership of the copies; the loaded tensors go with loaded.dispose().
      const best = loaded.bestParameters;
      target.earlyStopping.setState(progress.earlyStopping, best && Object.fromEntries(Object.entries(best).map(([k, v]) => [k, v.clone()])));
    }
    defaultGenerator().setState(progress.rng.default);
    for (const [name, generator] of Object.entries(generators)) generator.setState(progress.rng.generators[name]);
    return progress;
  } finally {
    loaded.dispose();
  }
}
