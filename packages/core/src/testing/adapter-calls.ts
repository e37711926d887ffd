/**
 * Whether a model's forward pass really runs the adapter layers a PEFT method
 * put into it. A forward that calls a child it captured before the method
 * replaced it (in a closure, say) silently skips the adapter: LoRA then fails
 * with tfjs' "Cannot find a connection between any variable and the result",
 * and a method with frozen parameters in its layers trains nothing at all.
 */
import { adaptableModules, isAdapterLayer, type AdapterLayer, type Module, type PeftModel } from '@peftjs/core';
import { AdapterLayerNotCalledError } from './errors';

/**
 * Runs `run` (a forward pass of `model`) counting the calls of each adapter
 * layer of `model` (the outermost ones), and throws AdapterLayerNotCalledError
 * naming every layer that was never called. Returns what `run` returned.
 */
export function expectEveryAdapterLayerCalled<T>(model: PeftModel<never, unknown>, run: () => T): T {
  const base = model.baseModel as unknown as Module<unknown, unknown>;
  const layers = adaptableModules(base).filter((entry): entry is [string, AdapterLayer<unknown, unknown>] => isAdapterLayer(entry[1]));
  const called = new Set<AdapterLayer<unknown, unknown>>();
  const restores = layers.map(([, layer]) => countCalls(layer, () => called.add(layer)));
  let result: T;
  try {
    result = run();
  } finally {
    for (const restore of restores) restore();
  }
  const missed = layers.filter(([, layer]) => !called.has(layer));
  if (missed.length > 0) throw new AdapterLayerNotCalledError(missed.map(([path]) => path), missed.map(([, layer]) => layer.peftType));
  return result;
}

/** Wraps the layer's `forward` (which `call` goes through) on the instance; returns the undo. */
function countCalls(layer: AdapterLayer<unknown, unknown>, onCall: () => void): () => void {
  const own = Object.getOwnPropertyDescriptor(layer, 'forward');
  const forward = layer.forward;
  layer.forward = function countedForward(this: AdapterLayer<unknown, unknown>, input: unknown) {
    onCall();
    return forward.call(this, input);
  };
  return () => {
    if (own === undefined) delete (layer as { forward?: unknown }).forward;
    else Object.defineProperty(layer, 'forward', own);
  };
}
