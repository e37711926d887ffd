/**
 * A second test method that cannot merge: y = base(x) + g * tanh(base(x)), with
 * a learned gate g per output (zero at start). Its non-linearity is what makes
 * it unmergeable, so it exercises the contract's other branch and lets tests
 * combine two methods in one model.
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
  type AnyModule,
  type PeftMethod,
} from '../src/index';

export const GATE = 'TEST_GATE';

const schema = defineConfigSchema(GATE, {
  target_modules: fields.nullable(fields.stringList(undefined)),
  modules_to_save: fields.nullable(fields.stringList(undefined)),
});

class GateLinear extends AdapterLayer {
  readonly peftType = GATE;
  readonly gates: ParameterDict;

  constructor(base: AnyModule) {
    super(base as unknown as Linear);
    this.gates = this.addModule('gate_g', new ParameterDict());
  }

  addAdapter(name: string): void {
    this.gates.create(name, tf.zeros([this.baseLayer.outFeatures!]));
  }

  adapterNames(): string[] {
    return this.gates.keys();
  }

  protected forwardWithAdapters(x: tf.Tensor, adapters: readonly string[]): tf.Tensor {
    return tf.tidy(() => {
      const y = this.baseLayer.call(x);
      let out = y;
      for (const name of adapters) out = tf.add(out, tf.mul(this.gates.get(name).read(), tf.tanh(y)));
      return out;
    });
  }

  protected disposeAdapter(name: string): void {
    this.gates.delete(name)?.dispose();
  }
}

export const gateMethod: PeftMethod<ReturnType<typeof schema.parse>> = {
  peftType: GATE,
  schema,
  tensorKeyPrefixes: ['gate_'],
  mergeable: false,
  inject({ model, adapterName, config, replaceModule }) {
    const paths = findTargetModules(model, config, { method: GATE, isCandidate: (m) => m.outFeatures !== undefined });
    for (const path of paths) {
      const module = model.getSubmodule(path);
      if (module instanceof GateLinear) {
        module.addAdapter(adapterName);
      } else {
        const layer = new GateLinear(module);
        layer.addAdapter(adapterName);
        replaceModule(path, layer as unknown as AnyModule);
      }
    }
  },
};

registerPeftMethod(gateMethod);
