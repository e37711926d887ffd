/**
 * Progress of a bench run: a bar redrawn in place on a terminal, plain
 * timestamped lines otherwise (CI logs, files), nothing when silent.
 */
export interface BenchProgress {
  /** Adds expected work units (a task's runs become known when it starts). */
  plan(units: number): void;
  /** One unit done. */
  advance(label: string): void;
  /** A line of its own (the bar is redrawn after it). */
  log(line: string): void;
  end(): void;
}

export interface ProgressOptions {
  readonly write?: (text: string) => void;
  /** Redraw a bar in place (default: whether stderr is a TTY). */
  readonly bar?: boolean;
  readonly silent?: boolean;
}

const WIDTH = 28;

function clock(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function createBenchProgress(options: ProgressOptions = {}): BenchProgress {
  if (options.silent) return { plan() {}, advance() {}, log() {}, end() {} };
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const bar = options.bar ?? Boolean(process.stderr.isTTY);
  const started = performance.now();
  let total = 0;
  let done = 0;
  let current = '';
  let drawn = false;
  const elapsed = () => (performance.now() - started) / 1000;
  const line = () => {
    const fraction = total === 0 ? 0 : Math.min(1, done / total);
    const filled = Math.round(fraction * WIDTH);
    const eta = done > 0 && done < total ? ` eta ${clock((elapsed() / done) * (total - done))}` : '';
    return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${clock(elapsed())}${eta} ${current}`;
  };
  const redraw = () => {
    if (!bar) return;
    const columns = process.stderr.columns ?? 100;
    write(`\r${line().slice(0, columns - 1).padEnd(Math.min(columns - 1, 100))}`);
    drawn = true;
  };
  return {
    plan(units) {
      total += units;
      redraw();
    },
    advance(label) {
      done += 1;
      current = label;
      if (bar) redraw();
      else write(`[${clock(elapsed())}] ${done}/${total} ${label}\n`);
    },
    log(text) {
      if (bar && drawn) write('\r\x1b[2K');
      write(`${bar ? '' : `[${clock(elapsed())}] `}${text}\n`);
      redraw();
    },
    end() {
      if (bar && drawn) write('\n');
    },
  };
}
