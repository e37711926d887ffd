/**
 * Progress output: a bar redrawn in place when stdout is a terminal, plain log
 * lines otherwise (CI logs, files, jest), nothing with `progress: false`.
 */
import { positiveInteger, rejectUnknownKeys } from './check';
import type { EpochInfo, EvaluationRecord, StepInfo } from './types';

export interface ProgressOptions {
  /** Where text goes. Default: process.stdout (console.log where there is no process). */
  readonly write?: (text: string) => void;
  /** Redraw one line in place. Default: whether process.stdout is a TTY. */
  readonly bar?: boolean;
  /** Plain mode: one line every this many steps. Default: about 20 lines over a run of known length, else every 50 steps. */
  readonly logEverySteps?: number;
}

export interface ProgressReporter {
  start(info: { step: number; totalSteps: number | undefined; epochs: number | undefined }): void;
  step(info: StepInfo): void;
  epoch(info: EpochInfo): void;
  evaluation(info: EvaluationRecord): void;
  message(line: string): void;
  end(summary: string): void;
}

const SILENT: ProgressReporter = { start() {}, step() {}, epoch() {}, evaluation() {}, message() {}, end() {} };
const BAR_WIDTH = 24;
const REDRAW_MS = 100;

export function createProgress(option: boolean | ProgressOptions | undefined): ProgressReporter {
  if (option === false) return SILENT;
  const options: ProgressOptions = option === true || option === undefined ? {} : option;
  rejectUnknownKeys('progress', options, ['write', 'bar', 'logEverySteps']);
  const stdout = typeof process !== 'undefined' ? process.stdout : undefined;
  const write = options.write ?? (stdout ? (text: string) => void stdout.write(text) : (text: string) => console.log(text.replace(/\n$/, '')));
  const bar = options.bar ?? Boolean(stdout?.isTTY);
  const logEvery = options.logEverySteps === undefined ? undefined : positiveInteger('progress.logEverySteps', options.logEverySteps);
  return bar ? new BarProgress(write) : new LineProgress(write, logEvery);
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  return magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e5) ? x.toExponential(3) : x.toFixed(4);
}

export function formatMetrics(metrics: Readonly<Record<string, number>>): string {
  return Object.entries(metrics)
    .map(([k, v]) => `${k} ${formatNumber(v)}`)
    .join(' | ');
}

/** Shared bookkeeping: totals, rate over this run. */
abstract class BaseProgress implements ProgressReporter {
  protected totalSteps: number | undefined;
  protected epochs: number | undefined;
  protected firstStep = 0;
  protected startedAt = 0;

  constructor(protected readonly write: (text: string) => void) {}

  start(info: { step: number; totalSteps: number | undefined; epochs: number | undefined }): void {
    this.totalSteps = info.totalSteps;
    this.epochs = info.epochs;
    this.firstStep = info.step;
    this.startedAt = Date.now();
  }

  abstract step(info: StepInfo): void;
  abstract message(line: string): void;
  abstract end(summary: string): void;

  epoch(info: EpochInfo): void {
    const of = this.epochs === undefined || !Number.isFinite(this.epochs) ? '' : `/${this.epochs}`;
    this.message(`epoch ${info.epoch + 1}${of} done at step ${info.step} | mean loss ${formatNumber(info.loss)}`);
  }

  evaluation(info: EvaluationRecord): void {
    this.message(`eval at step ${info.step} | ${formatMetrics(info.metrics)}`);
  }

  protected stepsPerSecond(step: number): number {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds > 0 ? (step - this.firstStep) / seconds : 0;
  }

  protected describe(info: StepInfo): string {
    const of = this.totalSteps === undefined ? '' : `/${this.totalSteps}`;
    return `step ${info.step}${of} | epoch ${info.epoch + 1} | loss ${formatNumber(info.loss)} | lr ${info.learningRate.toExponential(2)} | ${this.stepsPerSecond(info.step).toFixed(1)} steps/s`;
  }
}

class LineProgress extends BaseProgress {
  private every = 50;

  constructor(
    write: (text: string) => void,
    private readonly logEvery: number | undefined,
  ) {
    super(write);
  }

  override start(info: { step: number; totalSteps: number | undefined; epochs: number | undefined }): void {
    super.start(info);
    this.every = this.logEvery ?? (info.totalSteps === undefined ? 50 : Math.max(1, Math.round(info.totalSteps / 20)));
  }

  step(info: StepInfo): void {
    if (info.step % this.every === 0 || info.step === this.totalSteps) this.write(`${this.describe(info)}\n`);
  }

  message(line: string): void {
    this.write(`${line}\n`);
  }

  end(summary: string): void {
    this.write(`${summary}\n`);
  }
}

class BarProgress extends BaseProgress {
  private lastDraw = 0;
  private lastLine = '';

  step(info: StepInfo): void {
    const now = Date.now();
    const last = info.step === this.totalSteps;
    if (!last && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const total = this.totalSteps;
    let gauge = '';
    if (total !== undefined) {
      const filled = Math.min(BAR_WIDTH, Math.round((info.step / total) * BAR_WIDTH));
      const rate = this.stepsPerSecond(info.step);
      const eta = rate > 0 ? ` eta ${formatDuration((total - info.step) / rate)}` : '';
      gauge = `[${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${Math.floor((100 * info.step) / total)}%${eta} | `;
    }
    this.lastLine = `${gauge}${this.describe(info)}`;
    // \r returns to the line start, ESC[K clears what a longer previous line left.
    this.write(`\r${this.lastLine}\x1b[K`);
  }

  message(line: string): void {
    this.write(`\r${line}\x1b[K\n`);
    if (this.lastLine !== '') this.write(`${this.lastLine}\x1b[K`);
  }

  end(summary: string): void {
    this.write(`\r${this.lastLine === '' ? '' : `${this.lastLine}\x1b[K\n`}${summary}\n`);
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
