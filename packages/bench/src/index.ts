// @peftjs/bench: the public API, named explicitly. The CLI (peftjs-bench) is src/cli.ts.
export type {
  AnyModel,
  BenchMethod,
  BenchTask,
  BuildContext,
  BuiltModel,
  Episode,
  ExtrasContext,
  FineTuneMethod,
  MetaEpisode,
  MetaLearnerLike,
  MetaMethod,
  MetaOptions,
  MetaProtocol,
  MetaTask,
  MetricInfo,
  PreparedTask,
  Shot,
  SuiteSize,
  TaskContext,
  TaskInfo,
  TensorBatch,
} from './types';
export {
  registerMethod,
  registerTask,
  unregisterMethod,
  unregisterTask,
  getMethod,
  getTask,
  selectMethods,
  selectTasks,
  methodNames,
  taskNames,
  UnknownNameError,
  RegistryError,
} from './registry';
export { SUITES, getSuite, type Suite } from './suites';
export { runBench, type BenchOptions } from './runner/run-bench';
export { createBenchProgress, type BenchProgress, type ProgressOptions } from './runner/progress';
export { summarize, summarizeScores, median, type Summary } from './runner/stats';
export {
  bootstrapInterval,
  bootstrapMeans,
  percentileInterval,
  pairedDifference,
  grandMean,
  BOOTSTRAP_RESAMPLES,
  BOOTSTRAP_SEED,
  type ScoreSet,
  type Interval,
  type BootstrapOptions,
} from './runner/bootstrap';
export { compareScores, withPairedDifferences } from './runner/compare';
export { MemoryWatermark } from './runner/memory';
export { BUILTIN_METHODS, registerBuiltinMethods, peftMethod, wrapWithPeft, headToSave, needsTransformer, loraConfig, loadPackage, MethodUnavailableError, type PeftMethodSpec } from './methods/index';
export { BUILTIN_TASKS, registerBuiltinTasks, visionTask } from './tasks/index';
export { cachedBase, cacheKey, restore, CACHE_VERSION } from './cache/base-cache';
export { RESULTS_SCHEMA, type JsonSchema } from './report/schema';
export { validate, type ValidationError } from './report/validate';
export { RESULTS_SCHEMA_VERSION, type BenchResults, type MethodResult, type TaskRecord, type Environment, type RunStatus, type PairedDifference, type VersusFull } from './report/results';
export { resultsTable, taskTable } from './report/table';
export { markdownReport } from './report/markdown';
export { htmlReport } from './report/html';
export { allCharts, taskCharts, type Chart } from './report/charts';
export { scatterChart, lineChart, barChart } from './report/svg';
export { tradeoffChart, type TradeoffPoint } from './report/svg-tradeoff';
export { writeReport, type WrittenReport } from './report/write';
export { main, type CliIo } from './cli/main';
export { parseArgs, helpText, UsageError, type CliOptions } from './cli/args';
