/**
 * Seeded random numbers for initialisation and dropout.
 *
 * Initial values are drawn in JavaScript rather than with tfjs' random ops, so
 * that the same seed gives bit-identical parameters on every backend (wasm,
 * cpu, tensorflow): a model built on cpu and one built on wasm start equal.
 */
import { InvalidArgumentError } from '../errors';
import { brandClass } from '../util/brand';

/** A small, fast, seedable generator (sfc32), good enough for ML initialisation. */
export class Generator {
  static {
    brandClass(this, 'core', 'Generator');
  }

  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new InvalidArgumentError(`seed: expected a finite number, found ${seed}`);
    // splitmix32 spreads a small integer seed over the four words of state.
    let s = Math.trunc(seed) >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The full internal state, so a checkpoint can resume the exact same stream. */
  getState(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) {
      throw new InvalidArgumentError(`Generator state: expected four unsigned 32-bit integers, found [${state.join(', ')}]`);
    }
    [this.a, this.b, this.c, this.d] = state as [number, number, number, number];
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Standard normal, Box-Muller. */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }

  /** A fresh integer seed, for tfjs ops that take one (dropout masks). */
  nextSeed(): number {
    return this.nextUint32() % 2147483647;
  }
}

let globalGenerator = new Generator(0);

/** Seeds the generator that every module uses by default (like `torch.manual_seed`). */
export function manualSeed(seed: number): void {
  globalGenerator = new Generator(seed);
}

/** The generator modules draw from when none is given. */
export function defaultGenerator(): Generator {
  return globalGenerator;
}
