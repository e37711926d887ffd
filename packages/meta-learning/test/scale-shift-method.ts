/**
 * A tiny PEFT method registered by this package's tests (a copy of core's test
 * method): each targeted Linear gets a learned per-output scale and shift,
 * y = base(x) * (1 + s) + t. It stands in for LoRA, which meta-learning must
 * handle the same way: through a PeftModel's trainable parameters, with no
 * method-specific code here.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AdapterLayer,
  Linear,
  ParameterDict,
  defineConfigSchema,
  fields,
  findTargetModules,
  registerPeftMethod,
  registeredPeftTypes,
  type AnyModule,
  type PeftMethod,
} from '@peftjs/core';

export const SCALE_SHIFT = 'TEST_META_SCALE_SHIFT';

const schema = defineConfigSchema(SCALE_SHIFT, {
  target_modules: fields.nullable(fields.union<string | string[]>('a regex or a list of module names', undefined, [fields.string(undefined), fields.stringList(undefined)])),
  modules_to_save: fields.nullable(fields.stringList(undefined)),
  init_scale: fields.number(0),
});

class ScaleShiftLinear extends AdapterLayer {
  readonly peftType = SCALE_SHIFT;
  readonly scale: ParameterDict;
  readonly shift: ParameterDict;

  constructor(base: Linear) {
    super(base);
    this.scale = this.addModule('scale_s', new ParameterDict());
    this.shift = this.addModule('scale_t', new ParameterDict());
  }

  addAdapter(name: string, initScale: number): void {
    const width = (this.baseLayer as unknown as Linear).outFeatures;
    this.scale.create(name, tf.fill([width], initScale));
    this.shift.create(name, tf.zeros([width]));
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
}

const scaleShiftMethod: PeftMethod<ReturnType<typeof schema.parse>> = {
  peftType: SCALE_SHIFT,
  schema,
  tensorKeyPrefixes: ['scale_'],
  mergeable: false,
  inject({ model, adapterName, config, replaceModule }) {
    const isLinearLike = (m: AnyModule) => m instanceof Linear || m instanceof ScaleShiftLinear;
    for (const path of findTargetModules(model, config, { method: SCALE_SHIFT, isCandidate: isLinearLike })) {
      const module = model.getSubmodule(path);
      if (module instanceof ScaleShiftLinear) {
        module.addAdapter(adapterName, config.init_scale);
        continue;
      }
      const layer = new ScaleShiftLinear(module as Linear);
      layer.addAdapter(adapterName, config.init_scale);
      replaceModule(path, layer as unknown as AnyModule);
    }
  },
};

if (!registeredPeftTypes().includes(SCALE_SHIFT)) registerPeftMethod(scaleShiftMethod);
