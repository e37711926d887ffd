/**
 * peft's LoKr layer for Linear and Conv2D: ΔW = kron(w1, w2) * alpha / r in
 * the base weight's shape. The output and input sizes are split by
 * factorization(dim, decompose_factor) into out = a * b and in = c * d:
 * w1 [a, c] is `lokr_w1`, or `lokr_w1_a` [a, r] @ `lokr_w1_b` [r, c] when
 * decompose_both and r < max(a, c) / 2; w2 [b, d] (times the kernel for a
 * convolution) is `lokr_w2`, unless r < max(b, d) / 2, then `lokr_w2_a` @
 * `lokr_w2_b`, or with use_effective_conv2d and a kernel other than 1x1 the
 * CP form `lokr_t2` [r, r, kh, kw] with `lokr_w2_a` [r, b], `lokr_w2_b` [r, d].
 * The scale is alpha / r in every case, the full-matrix one too (peft's rule;
 * LyCORIS itself uses 1 there).
 *
 * init_weights true: w1 (or lokr_w1_a) zero, so ΔW = 0 exactly, the rest
 * Kaiming-uniform; "lycoris": w2 (or lokr_w2_b) zero instead; false: all random.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParameterDict, defaultGenerator, type AnyModule } from '@peftjs/core';
import { cpRebuild, kaimingFactor, kron } from '../lycoris/kernels';
import { LycorisLayer, type LycorisAdapterOptions } from '../lycoris/layer';
import { LOKR, type LokrInitWeights } from './config';
import { factorization } from './factorization';

export interface LokrAdapterOptions extends Omit<LycorisAdapterOptions, 'rescaleRankDropout'> {
  readonly decomposeBoth: boolean;
  readonly decomposeFactor: number;
  readonly useEffectiveConv2d: boolean;
  readonly rankDropoutScale: boolean;
  readonly initWeights: LokrInitWeights;
}

type LokrShapeOptions = Pick<LokrAdapterOptions, 'r' | 'decomposeBoth' | 'decomposeFactor' | 'useEffectiveConv2d'>;

const FACTORS = ['lokr_w1', 'lokr_w1_a', 'lokr_w1_b', 'lokr_w2', 'lokr_w2_a', 'lokr_w2_b', 'lokr_t2'] as const;
type FactorName = (typeof FACTORS)[number];

/** The factor that starts at zero under each init (peft's reset_adapter_parameters and its LyCORIS variant). */
function zeroFactor(init: LokrInitWeights, present: ReadonlySet<FactorName>): FactorName | undefined {
  if (init === true) return present.has('lokr_w1') ? 'lokr_w1' : 'lokr_w1_a';
  if (init === 'lycoris') return present.has('lokr_w2') ? 'lokr_w2' : 'lokr_w2_b';
  return undefined;
}

export class LokrLayer extends LycorisLayer {
  readonly peftType = LOKR;
  readonly lokr_w1: ParameterDict;
  readonly lokr_w1_a: ParameterDict;
  readonly lokr_w1_b: ParameterDict;
  readonly lokr_w2: ParameterDict;
  readonly lokr_w2_a: ParameterDict;
  readonly lokr_w2_b: ParameterDict;
  readonly lokr_t2: ParameterDict;

  constructor(baseModule: AnyModule) {
    super(baseModule);
    this.lokr_w1 = this.addModule('lokr_w1', new ParameterDict());
    this.lokr_w1_a = this.addModule('lokr_w1_a', new ParameterDict());
    this.lokr_w1_b = this.addModule('lokr_w1_b', new ParameterDict());
    this.lokr_w2 = this.addModule('lokr_w2', new ParameterDict());
    this.lokr_w2_a = this.addModule('lokr_w2_a', new ParameterDict());
    this.lokr_w2_b = this.addModule('lokr_w2_b', new ParameterDict());
    this.lokr_t2 = this.addModule('lokr_t2', new ParameterDict());
  }

  /** Every parameter addAdapter makes, by path inside this layer, with peft's shapes. */
  plannedShapes(adapter: string, options: LokrShapeOptions): Array<[string, number[]]> {
    const { kind, outDim, inDim, kernel } = this.base;
    const { r } = options;
    const [a, b] = factorization(outDim, options.decomposeFactor);
    const [c, d] = factorization(inDim, options.decomposeFactor);
    const shapes: Array<[FactorName, number[]]> = [];
    const useW1 = !(options.decomposeBoth && r < Math.max(a, c) / 2);
    if (useW1) shapes.push(['lokr_w1', [a, c]]);
    else shapes.push(['lokr_w1_a', [a, r]], ['lokr_w1_b', [r, c]]);
    const useW2 = r >= Math.max(b, d) / 2;
    const conv = kind === 'conv2d';
    const cp = conv && options.useEffectiveConv2d && (kernel[0] !== 1 || kernel[1] !== 1);
    if (useW2) shapes.push(['lokr_w2', conv ? [b, d, ...kernel] : [b, d]]);
    else if (cp) shapes.push(['lokr_w2_a', [r, b]], ['lokr_w2_b', [r, d]], ['lokr_t2', [r, r, ...kernel]]);
    else shapes.push(['lokr_w2_a', [b, r]], ['lokr_w2_b', [r, d * kernel[0] * kernel[1]]]);
    return shapes.map(([name, shape]) => [`${name}.${adapter}`, shape]);
  }

  addAdapter(adapter: string, options: LokrAdapterOptions): void {
    this.recordSettings(adapter, { ...options, rescaleRankDropout: options.rankDropoutScale });
    const planned = this.plannedShapes(adapter, options).map(([path, shape]) => [path.slice(0, path.indexOf('.')) as FactorName, shape] as const);
    const zero = zeroFactor(options.initWeights, new Set(planned.map(([name]) => name)));
    const rng = defaultGenerator();
    for (const [name, shape] of planned) this[name].create(adapter, name === zero ? tf.zeros(shape) : kaimingFactor(shape, rng));
  }

  /** A factor's current value (lokr_w1, ...), for tests and conversions. */
  factor(name: FactorName, adapter: string): tf.Tensor {
    return this[name].get(adapter).read();
  }

  hasFactor(name: FactorName, adapter: string): boolean {
    return this[name].has(adapter);
  }

  deltaWeight(adapter: string): tf.Tensor {
    const { scaling } = this.adapterSettings(adapter);
    const get = (name: FactorName) => this.factor(name, adapter);
    return tf.tidy(() => {
      const w1 = this.lokr_w1.has(adapter) ? get('lokr_w1') : tf.matMul(get('lokr_w1_a'), get('lokr_w1_b'));
      const w2 = this.lokr_w2.has(adapter)
        ? get('lokr_w2')
        : this.lokr_t2.has(adapter)
          ? cpRebuild(get('lokr_t2'), get('lokr_w2_a'), get('lokr_w2_b'))
          : tf.matMul(get('lokr_w2_a'), get('lokr_w2_b'));
      return tf.reshape(tf.mul(kron(w1, w2), scaling), this.base.weight.shape);
    });
  }

  protected disposeFactors(adapter: string): void {
    for (const name of FACTORS) this[name].delete(adapter)?.dispose();
  }
}

export function isLokrLayer(module: unknown): module is LokrLayer {
  return module instanceof LokrLayer;
}
