// @peftjs/adapters: the public API, named explicitly. Importing the package registers
// BOTTLENECK, IA3, ADAPTER_FUSION, LN_TUNING and TRAINABLE_TOKENS with core.
import { registerAdapters } from './register';

export { registerAdapters } from './register';
export { CompositionError, PlacementError, UnsupportedTargetError, TokenIndicesError, type CompositionErrorReason } from './errors';

// Bottleneck adapters.
export {
  BOTTLENECK,
  BOTTLENECK_PRESETS,
  ARCHITECTURES,
  bottleneckConfigSchema,
  type BottleneckConfig,
  type BottleneckPresetName,
  type ArchitectureName,
} from './bottleneck/config';
export { parsePlacementRules, type PlacementRule, type PlacementSource, type PlacementPosition } from './bottleneck/placement-rules';
export { BottleneckLayer, isBottleneckLayer, type BottleneckAdapterOptions, type RecordedSide } from './bottleneck/layer';
export { bottleneckMethod } from './bottleneck/method';

// IA3.
export { IA3, ia3ConfigSchema, type IA3Config } from './ia3/config';
export { IA3Layer, isIA3Layer } from './ia3/layer';
export { ia3Method } from './ia3/method';

// LN tuning.
export { LN_TUNING, lnTuningConfigSchema, type LNTuningConfig } from './ln-tuning/config';
export { LNTuningLayer, isLNTuningLayer } from './ln-tuning/layer';
export { lnTuningMethod } from './ln-tuning/method';

// Trainable tokens.
export { TRAINABLE_TOKENS, trainableTokensConfigSchema, type TrainableTokensConfig } from './trainable-tokens/config';
export { TrainableTokensLayer, isTrainableTokensLayer, type WeightTable } from './trainable-tokens/layer';
export { TrainableTokensWrapper, isTrainableTokensWrapper } from './trainable-tokens/wrapper';
export { trainableTokensMethod } from './trainable-tokens/method';
export { trainableTokenIndicesAid, TRAINABLE_TOKEN_INDICES } from './trainable-tokens/token-indices-aid';

// AdapterFusion.
export { ADAPTER_FUSION, fusionConfigSchema, type FusionConfig } from './fusion/config';
export { fuseAdapterOutputs, type FusionProjections, type FusionResult } from './fusion/attention';
export { fusionMethod } from './fusion/method';

// Composition.
export {
  Stack,
  Parallel,
  BatchSplit,
  Average,
  Fuse,
  adapterNamesOf,
  fuseBlocksOf,
  parallelChannels,
  formatComposition,
  type Composition,
  type CompositionBlock,
  type BlockType,
  type StackBlock,
  type ParallelBlock,
  type BatchSplitBlock,
  type AverageBlock,
  type FuseBlock,
  type BatchSplitOptions,
  type AverageOptions,
  type FuseOptions,
} from './composition/blocks';
export { ALLOWED_NESTING, validateComposition, type ChildKind } from './composition/nesting';
export { parseComposition } from './composition/parse';
export { runComposition, type LayerComposer, type RowSelector } from './composition/engine';
export { setActive, activeComposition, addFusion, type SetActiveOptions, type AddFusionOptions } from './composition/activate';
export { splitParallelOutput } from './composition/parallel-output';
export { saveComposition, loadComposition, COMPOSITION_FILE, type LoadCompositionOptions } from './composition/files';

registerAdapters();
