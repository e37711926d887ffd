/**
 * @peftjs/models' tfjs-layers bridge. A separate entry because
 * @tensorflow/tfjs-layers is an optional peer dependency: importing the main
 * entry must not require it.
 */
export { fromLayersModel } from './import';
export { toLayersModel, registerLayersExporter, type ExportContext, type LayersExporter, type ToLayersModelOptions } from './export';
export { LayersGraph, type GraphInputSpec, type GraphNode, type LayersGraphSpec, type TensorRef } from './graph';
export { WrappedLayer, type LayerInput } from './wrapped-layer';
export { applyKerasActivation, KERAS_ACTIVATION_OF } from './activations';
