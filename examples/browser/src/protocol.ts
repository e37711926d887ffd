/** Messages between the page and its training worker. */
import type { StepRecord } from './experiment';

export const DEMO_BACKENDS = ['wasm', 'webgl', 'webgpu', 'cpu'] as const;
export type DemoBackend = (typeof DEMO_BACKENDS)[number];

export interface ToWorker {
  readonly backend: DemoBackend;
  readonly steps: number;
  /** Absolute: the worker's own URL (under assets/) is not the page's. */
  readonly wasmPaths: string;
}

export type FromWorker =
  | { readonly type: 'backend'; readonly description: string }
  | { readonly type: 'step'; readonly record: StepRecord }
  | { readonly type: 'done'; readonly config: ArrayBuffer; readonly weights: ArrayBuffer; readonly outputs: number[]; readonly reloadedOutputs: number[] }
  | { readonly type: 'error'; readonly message: string };

/** What the page shows in #result once a run ends: read by people and by tools/browser-check. */
export interface DemoResult {
  readonly backend: DemoBackend;
  readonly engine: string;
  readonly steps: StepRecord[];
  readonly outputs: number[];
  readonly reloadedOutputs: number[];
  readonly reloadEqual: boolean;
  readonly medianStepMs: number;
  /** Timer ticks the page ran during training: a blocked main thread would have none. */
  readonly pageTicks: number;
}
