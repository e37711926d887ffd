/**
 * A small PEFT method registered by core's own tests, to exercise the method
 * contract without depending on any method package: each targeted Linear gets
 * a learned per-output scale and shift, y = base(x) * (1 + s) + t. It merges
 * into the Linear's weight and bias (which the target must have).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AdapterLayer,
  InvalidArgumentError,
  Linear,
  ParameterDict,
  defineConfigSchema,
  fields,
  findTargetModules,
  registerPeftMethod,
  type AnyModule,
  type MergeOptions,
  type PeftMethod,
} from '../src/index';

export const SCALE_SHIFT = 'TEST_SCALE_SHIFT';

const schema = defineConfigSchema(SCALE_SHIFT, {
  target_modules: fields.nullable(fields.union<string | string[]>('a regex or a list of module names', undefined, [fields.string(undefined), fields.stringList(undefined)])),
  modules_to_save: fields.nullable(fields.stringList(undefined)),
  init_scale: fields.number(0),
});

export class ScaleShiftLinear extends AdapterLayer {
  readonly peftType = SCALE_SHIFT;
  readonly scale: ParameterDict;
  readonly shift: ParameterDict;

  constructor(base: Linear) {
    super(base);
    this.scale = this.addModule('scale_s', new ParameterDict());
    this.shift = this.addModule('scale_t', new ParameterDict());
  }

  private get linear(): Linear {
    return this.baseLayer as unknown as Linear;
  }

  addAdapter(name: string, initScale: number): void {
    this.scale.create(name, tf.fill([this.linear.outFeatures], initScale));
    this.shift.create(name, tf.zeros([this.linear.outFeatures]));
  }

  adapterNames(): string[] {
    return this.scale.keys();
  }

  protected forwardWithAdapters(x: tf.Tensor, adapters: readonly string[]): tf.Tensor {
    return tf.tidy(() => {
      let y = this.baseLayer.call(x);
      for (const name of adapters) y = tf.add(tf.mul(y, tf.add(1, this.scale.get(name).read())), this.shift.get(name).read());
      return y;
    });
  }

  protected disposeAdapter(name: string): void {
    this.scale.delete(name)?.dispose();
    this.shift.delete(name)?.dispose();
  }

  override get mergeable(): boolean {
    return true;
  }

  protected override mergeAdapter(name: string, options: MergeOptions): void {
    const factor = tf.add(1, this.scale.get(name).variable);
    const weight = tf.mul(this.linear.weight.variable, tf.expandDims(factor, 1));
    const bias = tf.add(tf.mul(this.linear.bias!.variable, factor), this.shift.get(name).variable);
    if (options.safe && !tf.all(tf.isFinite(weight)).dataSync()[0]) throw new InvalidArgumentError(`merging '${name}' gives non-finite weights`);
    this.linear.weight.assign(weight);
    this.linear.bias!.assign(bias);
    tf.dispose([factor, weight, bias]);
  }

  protected override unmergeAdapter(name: string): void {
    const factor = tf.add(1, this.scale.get(name).variable);
    const weight = tf.div(this.linear.weight.variable, tf.expandDims(factor, 1));
    const bias = tf.div(tf.sub(this.linear.bias!.variable, this.shift.get(name).variable), factor);
    this.linear.weight.assign(weight);
    this.linear.bias!.assign(bias);
    tf.dispose([factor, weight, bias]);
  }
}

export const scaleShiftMethod: PeftMethod<ReturnType<typeof schema.parse>> = {
  peftType: SCALE_SHIFT,
  schema,
  tensorKeyPrefixes: ['scale_'],
  mergeable: true,
  inject({ model, adapterName, config, replaceModule }) {
    const isLinearLike = (m: AnyModule) => m instanceof Linear || m instanceof ScaleShiftLinear;
    const paths = findTargetModules(model, config, { method: SCALE_SHIFT, isCandidate: isLinearLike });
    for (const path of paths) {
      const module = model.getSubmodule(path);
      if (module instanceof ScaleShiftLinear) {
        module.addAdapter(adapterName, config.init_scale);
        continue;
      }
      if (!(module as Linear).bias) throw new InvalidArgumentError(`${SCALE_SHIFT}: '${path}' has no bias to merge into`);
      const layer = new ScaleShiftLinear(module as Linear);
      layer.addAdapter(adapterName, config.init_scale);
      replaceModule(path, layer as unknown as AnyModule);
    }
  },
};

registerPeftMethod(scaleShiftMethod);
