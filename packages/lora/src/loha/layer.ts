/**
 * peft's LoHa layer for Linear and Conv2D: ΔW = (w1_a @ w1_b) ⊙ (w2_a @ w2_b)
 * * alpha / r, in the base weight's shape (a convolution's kernel flattened
 * to [out, in * kh * kw]). With use_effective_conv2d and a kernel other than
 * 1x1, each factor pair is a CP decomposition of the kernel instead (FedPara's
 * Proposition 3): hada_t1 [r, r, kh, kw] with hada_w1_a [r, out] and
 * hada_w1_b [r, in], likewise t2. peft's tensor names and shapes, so files
 * line up. init_weights true: all Kaiming-uniform but hada_w2_b, zero, so
 * ΔW = 0 exactly; false: all Kaiming-uniform.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ParameterDict, defaultGenerator, type AnyModule } from '@peftjs/core';
import { cpRebuild, kaimingFactor } from '../lycoris/kernels';
import { LycorisLayer, type LycorisAdapterOptions } from '../lycoris/layer';
import { LOHA } from './config';

export interface LohaAdapterOptions extends Omit<LycorisAdapterOptions, 'rescaleRankDropout'> {
  readonly useEffectiveConv2d: boolean;
  readonly initWeights: boolean;
}

const FACTORS = ['hada_w1_a', 'hada_w1_b', 'hada_w2_a', 'hada_w2_b', 'hada_t1', 'hada_t2'] as const;
type FactorName = (typeof FACTORS)[number];

export class LohaLayer extends LycorisLayer {
  readonly peftType = LOHA;
  readonly hada_w1_a: ParameterDict;
  readonly hada_w1_b: ParameterDict;
  readonly hada_w2_a: ParameterDict;
  readonly hada_w2_b: ParameterDict;
  readonly hada_t1: ParameterDict;
  readonly hada_t2: ParameterDict;

  constructor(baseModule: AnyModule) {
    super(baseModule);
    this.hada_w1_a = this.addModule('hada_w1_a', new ParameterDict());
    this.hada_w1_b = this.addModule('hada_w1_b', new ParameterDict());
    this.hada_w2_a = this.addModule('hada_w2_a', new ParameterDict());
    this.hada_w2_b = this.addModule('hada_w2_b', new ParameterDict());
    this.hada_t1 = this.addModule('hada_t1', new ParameterDict());
    this.hada_t2 = this.addModule('hada_t2', new ParameterDict());
  }

  /** Whether the adapter's pairs are CP decompositions (peft: use_effective_conv2d on a kernel other than 1x1). */
  usesCp(useEffectiveConv2d: boolean): boolean {
    return useEffectiveConv2d && this.base.kind === 'conv2d' && (this.base.kernel[0] !== 1 || this.base.kernel[1] !== 1);
  }

  /** Every parameter addAdapter makes, by path inside this layer, with peft's shapes. */
  plannedShapes(adapter: string, r: number, useEffectiveConv2d: boolean): Array<[string, number[]]> {
    const { outDim, inDim, kernel } = this.base;
    const flatIn = inDim * kernel[0] * kernel[1];
    const shapes: Array<[FactorName, number[]]> = this.usesCp(useEffectiveConv2d)
      ? [
          ['hada_w1_a', [r, outDim]],
          ['hada_w1_b', [r, inDim]],
          ['hada_w2_a', [r, outDim]],
          ['hada_w2_b', [r, inDim]],
          ['hada_t1', [r, r, ...kernel]],
          ['hada_t2', [r, r, ...kernel]],
        ]
      : [
          ['hada_w1_a', [outDim, r]],
          ['hada_w1_b', [r, flatIn]],
          ['hada_w2_a', [outDim, r]],
          ['hada_w2_b', [r, flatIn]],
        ];
    return shapes.map(([name, shape]) => [`${name}.${adapter}`, shape]);
  }

  addAdapter(adapter: string, options: LohaAdapterOptions): void {
    // peft's LoHa always rescales the kept rows.
    this.recordSettings(adapter, { ...options, rescaleRankDropout: true });
    const rng = defaultGenerator();
    for (const [path, shape] of this.plannedShapes(adapter, options.r, options.useEffectiveConv2d)) {
      const name = path.slice(0, path.indexOf('.')) as FactorName;
      // One factor at zero is enough for ΔW = 0 (peft zeroes hada_w2_b).
      const value = options.initWeights && name === 'hada_w2_b' ? tf.zeros(shape) : kaimingFactor(shape, rng);
      this[name].create(adapter, value);
    }
  }

  /** A factor's current value (hada_w1_a, ...), for tests and conversions. */
  factor(name: FactorName, adapter: string): tf.Tensor {
    return this[name].get(adapter).read();
  }

  deltaWeight(adapter: string): tf.Tensor {
    const { scaling } = this.adapterSettings(adapter);
    const get = (name: FactorName) => this.factor(name, adapter);
    return tf.tidy(() => {
      const [first, second] = this.hada_t1.has(adapter)
        ? [cpRebuild(get('hada_t1'), get('hada_w1_a'), get('hada_w1_b')), cpRebuild(get('hada_t2'), get('hada_w2_a'), get('hada_w2_b'))]
        : [tf.matMul(get('hada_w1_a'), get('hada_w1_b')), tf.matMul(get('hada_w2_a'), get('hada_w2_b'))];
      return tf.reshape(tf.mul(tf.mul(first, second), scaling), this.base.weight.shape);
    });
  }

  protected disposeFactors(adapter: string): void {
    for (const name of FACTORS) this[name].delete(adapter)?.dispose();
  }
}

export function isLohaLayer(module: unknown): module is LohaLayer {
  return module instanceof LohaLayer;
}
