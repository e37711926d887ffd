/**
 * The high-water mark of tensor memory. tfjs counts the bytes of live tensors
 * in its engine state (what tf.memory() reports); sampling that at a few points
 * misses the peak of the backward pass, so while a watch runs, the counter is
 * observed on every change (an accessor on the engine's state). Where the
 * engine does not allow that, it falls back to sampling at `sample()` calls.
 */
import * as tf from '@tensorflow/tfjs-core';

interface EngineState {
  numBytes: number;
}

export class MemoryWatermark {
  private peak: number;
  private readonly state: EngineState;
  private readonly exact: boolean;
  readonly startBytes: number;

  constructor() {
    this.state = (tf.engine() as unknown as { state: EngineState }).state;
    this.startBytes = tf.memory().numBytes;
    this.peak = this.startBytes;
    this.exact = this.observe();
  }

  private observe(): boolean {
    const descriptor = Object.getOwnPropertyDescriptor(this.state, 'numBytes');
    if (descriptor === undefined || !('value' in descriptor) || descriptor.configurable === false) return false;
    let value = descriptor.value as number;
    const raise = (next: number) => {
      if (next > this.peak) this.peak = next;
    };
    Object.defineProperty(this.state, 'numBytes', {
      configurable: true,
      enumerable: true,
      get: () => value,
      set(next: number) {
        value = next;
        raise(next);
      },
    });
    return true;
  }

  /** For engines that cannot be observed: record the current count. */
  sample(): void {
    const bytes = tf.memory().numBytes;
    if (bytes > this.peak) this.peak = bytes;
  }

  /** Stops watching; returns the highest byte count seen, and whether it was observed on every change. */
  stop(): { peakBytes: number; exact: boolean } {
    this.sample();
    if (this.exact) {
      const value = this.state.numBytes;
      Object.defineProperty(this.state, 'numBytes', { configurable: true, enumerable: true, writable: true, value });
    }
    return { peakBytes: this.peak, exact: this.exact };
  }
}
