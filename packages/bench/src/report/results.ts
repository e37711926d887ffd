/** The shape of a run's results: what the JSON file holds and every report reads. */
import type { Shot } from '../types';
import type { ScoreSet } from '../runner/bootstrap';
import type { Summary } from '../runner/stats';

/** 2: bootstrap intervals (low, high) in place of Student-t half-widths; per-unit scores; paired differences to full fine-tuning. */
export const RESULTS_SCHEMA_VERSION = 2;

/** A method's score minus full fine-tuning's, unit by unit on the same seeds, shots and test examples. */
export interface PairedDifference extends Summary {
  /** Whether the 95% interval excludes 0 (false: not distinguishable from full fine-tuning). */
  readonly distinguishable: boolean;
}

export interface VersusFull {
  /** Quality minus full fine-tuning's (for accuracy positive is better; for MSE negative is). */
  readonly quality: PairedDifference | null;
  /** Forgetting minus full fine-tuning's (negative: forgets less). */
  readonly forgetting: PairedDifference | null;
}

export type RunStatus = 'ok' | 'skipped' | 'failed';

export interface MethodResult {
  readonly task: string;
  readonly method: string;
  readonly title: string;
  readonly group: string;
  readonly kind: 'finetune' | 'meta';
  readonly shot: Shot;
  readonly status: RunStatus;
  /** Why it was skipped or failed. */
  readonly reason?: string;
  /** The task metric over seeds (or over evaluation tasks of every seed, for regression over tasks). */
  readonly quality: Summary | null;
  /** Parameters trained per task (meta-learners: the ones adapted per task). */
  readonly trainableParameters: number | null;
  readonly totalParameters: number | null;
  readonly trainableShare: number | null;
  /** Adam state for the trained parameters (meta-learners: for the meta-parameters). */
  readonly optimizerStateBytes: number | null;
  /** High-water mark of tensor bytes while training, above what existed before the base was built. */
  readonly peakTensorBytes: number | null;
  /** Median time of one optimiser step (meta-learners: one meta-step), ms. */
  readonly stepMs: number | null;
  /** stepMs over full fine-tuning's on the same task and shot, measured in the same run. */
  readonly stepTimeRatio: number | null;
  /** Median forward time on the task's latency batch, ms. */
  readonly inferenceMs: number | null;
  /** Over the unadapted base's forward time, measured interleaved. */
  readonly latencyRatio: number | null;
  /** The same after merging the adapter into the base weights (mergeable methods only). */
  readonly latencyMergedRatio: number | null;
  /** Bytes stored per task: the saved adapter folder for PEFT methods, the trained tensors as safetensors otherwise. */
  readonly adapterBytes: number | null;
  /** Base-task score before minus after adaptation (positive: forgotten). */
  readonly forgetting: Summary | null;
  /** Wall-clock seconds of training (meta-learners: meta-training) summed over seeds. */
  readonly trainSeconds: number | null;
  /** The scores the summaries come from: per seed, one per test example (or evaluation task). */
  readonly scores: { readonly quality: ScoreSet | null; readonly forgetting: ScoreSet | null } | null;
  /** Paired differences to full fine-tuning on the same task and shot; null for full fine-tuning itself, or where it did not run. */
  readonly versusFull: VersusFull | null;
  readonly notes?: readonly string[];
}

export interface TaskRecord {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly status: RunStatus;
  readonly reason?: string;
  readonly metric: { readonly name: string; readonly higherIsBetter: boolean; readonly range?: readonly [number, number] } | null;
  readonly shots: readonly Shot[];
  readonly notes: readonly string[];
  readonly baseScores: { readonly forgetting?: number; readonly target?: number } | null;
  readonly prepareSeconds: number | null;
  readonly extras: Record<string, unknown>;
}

export interface Environment {
  readonly backend: { readonly name: string; readonly tfjsBackend: string; readonly device: string; readonly simd: boolean | null; readonly threads: number };
  readonly versions: Readonly<Record<string, string | null>>;
  readonly hardware: { readonly platform: string; readonly arch: string; readonly cpus: number; readonly cpuModel: string; readonly memoryBytes: number; readonly loadAverage: readonly number[] };
}

export interface BenchResults {
  readonly schemaVersion: number;
  readonly tool: { readonly name: string; readonly version: string };
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly suite: string;
  readonly size: string;
  readonly seeds: readonly number[];
  readonly environment: Environment;
  readonly tasks: readonly TaskRecord[];
  readonly results: readonly MethodResult[];
}
