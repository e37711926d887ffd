// Loads @peftjs/core twice in one Node process, as an app can: its ESM build
// (dist/index.js, by import) and its CJS build (dist/index.cjs, by require,
// as a CJS method package would). Prints one JSON line of what each copy
// makes of the other's objects. Run by two-copies.test.ts in an app folder
// where node_modules/@peftjs/core holds a fresh build.
import { createRequire } from 'node:module';
import * as esm from '@peftjs/core';

// A failure prints its stack, not Node's excerpt of the (minified, one-line) source.
process.setUncaughtExceptionCaptureCallback((error) => {
  console.error(error?.stack ?? error);
  process.exit(1);
});

const cjs = createRequire(import.meta.url)('@peftjs/core');
const copies = { esm, cjs };

await esm.useBackend('cpu');
const tf = createRequire(import.meta.url)('@tensorflow/tfjs-core');

function caught(fn) {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/**
 * A minimal mergeable method written against one copy of core: each targeted
 * Linear gets a learned shift of its output, y = base(x) + t, merged into the bias.
 */
function defineShiftMethod(core, peftType) {
  class ShiftLinear extends core.AdapterLayer {
    peftType = peftType;
    constructor(base) {
      super(base);
      this.shifts = this.addModule('shift_t', new core.ParameterDict());
    }
    addAdapter(name) {
      const count = this.baseLayer.outFeatures;
      this.shifts.create(name, tf.linspace(0.25, 0.75, count));
    }
    adapterNames() {
      return this.shifts.keys();
    }
    forwardWithAdapters(x, adapters) {
      return tf.tidy(() => adapters.reduce((y, name) => tf.add(y, this.shifts.get(name).read()), this.baseLayer.call(x)));
    }
    disposeAdapter(name) {
      this.shifts.delete(name)?.dispose();
    }
    get mergeable() {
      return true;
    }
    mergeAdapter(name) {
      const bias = this.baseLayer.bias;
      bias.assign(tf.tidy(() => tf.add(bias.variable, this.shifts.get(name).variable)));
    }
    unmergeAdapter(name) {
      const bias = this.baseLayer.bias;
      bias.assign(tf.tidy(() => tf.sub(bias.variable, this.shifts.get(name).variable)));
    }
  }
  const schema = core.defineConfigSchema(peftType, {
    target_modules: core.fields.nullable(core.fields.stringList(undefined)),
    modules_to_save: core.fields.nullable(core.fields.stringList(undefined)),
  });
  core.registerPeftMethod({
    peftType,
    schema,
    tensorKeyPrefixes: ['shift_'],
    mergeable: true,
    inject({ model, adapterName, config, replaceModule }) {
      // This copy's Linear and findTargetModules, on a model the other copy built.
      const paths = core.findTargetModules(model, config, { method: peftType, isCandidate: (m) => m instanceof core.Linear || m instanceof ShiftLinear });
      for (const path of paths) {
        const module = model.getSubmodule(path);
        const layer = module instanceof ShiftLinear ? module : new ShiftLinear(module);
        layer.addAdapter(adapterName);
        if (layer !== module) replaceModule(path, layer);
      }
    },
  });
  return ShiftLinear;
}

/** A classifier built from `core`'s layers. */
function makeBase(core) {
  core.manualSeed(7);
  class Classifier extends core.Module {
    constructor() {
      super();
      this.addModule('body', new core.Sequential(new core.Linear(3, 4), new core.Activation('tanh'), new core.Linear(4, 4)));
      this.addModule('head', new core.Linear(4, 2));
    }
    forward(x) {
      return this.getSubmodule('head').call(this.getSubmodule('body').call(x));
    }
  }
  return new Classifier();
}

const input = tf.tensor2d([[0.2, -0.5, 0.9], [1.0, 0.3, -0.7]]);
const outputOf = (model) => Array.from(tf.tidy(() => model.call(input)).dataSync());
const maxAbsDifference = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/** getPeftModel of copy `modelCopy`, with adapter layers of a method written against copy `layerCopy`. */
function endToEnd(modelCopy, layerCopy) {
  const core = copies[modelCopy];
  const peftType = `TEST_SHIFT_${layerCopy.toUpperCase()}`;
  const ShiftLinear = defineShiftMethod(copies[layerCopy], peftType);
  const config = { peft_type: peftType, target_modules: ['body.0', 'body.2'], modules_to_save: ['head'] };

  const base = makeBase(core);
  const baseOutput = outputOf(base);
  const merging = core.getPeftModel(base, config);
  const layers = merging.adapterLayers();
  const adapted = outputOf(merging);
  const merged = merging.mergeAndUnload();
  const mergedOutput = outputOf(merged);
  const result = {
    // Types, not class names: the build under test is minified.
    adapterLayers: layers.map((layer) => [layer.peftType === peftType ? 'shift' : layer.peftType, layer instanceof ShiftLinear]),
    wrapperSeenByLayerCopy: layers.map((layer) => layer instanceof copies[layerCopy].ModulesToSaveWrapper),
    adapterChangesOutput: maxAbsDifference(adapted, baseOutput) > 0.1,
    mergedEqualsAdapted: maxAbsDifference(mergedOutput, adapted) < 1e-5,
    adapterLayersAfterMerge: merged.namedModules().filter(([, m]) => core.isAdapterLayer(m) || copies[layerCopy].isAdapterLayer(m)).length,
  };
  merged.dispose();

  const unloading = core.getPeftModel(makeBase(core), config);
  const unloaded = unloading.unload();
  result.unloadGivesBaseOutput = maxAbsDifference(outputOf(unloaded), baseOutput) === 0;
  result.adapterLayersAfterUnload = unloaded.namedModules().filter(([, m]) => core.isAdapterLayer(m)).length;
  unloaded.dispose();
  return result;
}

const esmLinear = new esm.Linear(2, 2);
const cjsLinear = new cjs.Linear(2, 2);
const CjsShift = defineShiftMethod(cjs, 'TEST_SHIFT_PROBE');
const cjsLayer = new CjsShift(new esm.Linear(2, 2));

const esmError = caught(() => esmLinear.getSubmodule('missing'));
const cjsError = caught(() => new cjs.Linear(0, 2));
const cjsShape = caught(() => cjsLinear.weight.assign(tf.zeros([3])));

class MyLinear extends esm.Linear {}
class MyError extends cjs.NotFoundError {}

const report = {
  twoCopies: esm.Linear !== cjs.Linear && esm.PeftError !== cjs.PeftError,
  layers: {
    esmLinearIsCjs: [esmLinear instanceof cjs.Linear, esmLinear instanceof cjs.Module, esmLinear.weight instanceof cjs.Parameter],
    cjsLinearIsEsm: [cjsLinear instanceof esm.Linear, cjsLinear instanceof esm.Module, cjsLinear.weight instanceof esm.Parameter],
    notOtherLayers: [esmLinear instanceof cjs.Conv1D, esmLinear instanceof cjs.Embedding, esmLinear instanceof cjs.AdapterLayer],
  },
  adapterLayer: {
    cjsLayerInEsm: [esm.isAdapterLayer(cjsLayer), cjsLayer instanceof esm.AdapterLayer, cjsLayer instanceof esm.Module],
    cjsLayerInCjs: [cjs.isAdapterLayer(cjsLayer), cjsLayer instanceof cjs.AdapterLayer],
    linearIsNot: [esm.isAdapterLayer(cjsLinear), cjs.isAdapterLayer(esmLinear)],
  },
  errors: {
    esmError: [esmError instanceof cjs.PeftError, esmError instanceof cjs.NotFoundError, esmError instanceof cjs.InvalidArgumentError, esmError.name, esmError.code],
    cjsError: [cjsError instanceof esm.PeftError, cjsError instanceof esm.InvalidArgumentError, cjsError instanceof esm.NotFoundError, cjsError.name, cjsError.code],
    cjsShape: [cjsShape instanceof esm.ShapeMismatchError, cjsShape.name, cjsShape.expected, cjsShape.found],
  },
  userSubclasses: {
    myLinear: [new MyLinear(1, 1) instanceof MyLinear, esmLinear instanceof MyLinear, cjsLinear instanceof MyLinear, new MyLinear(1, 1) instanceof cjs.Linear],
    myError: [new MyError('x') instanceof MyError, esmError instanceof MyError, new MyError('x') instanceof esm.NotFoundError, new MyError('x').name],
  },
  endToEnd: { esmModelCjsLayers: endToEnd('esm', 'cjs'), cjsModelEsmLayers: endToEnd('cjs', 'esm') },
};
console.log(JSON.stringify(report));
