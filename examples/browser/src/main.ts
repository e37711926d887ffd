/** The page: starts a training worker, draws its losses, offers the adapter files and shows the reload check. */
import type { StepRecord } from './experiment';
import { DEMO_BACKENDS, type DemoBackend, type DemoResult, type FromWorker, type ToWorker } from './protocol';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const backendSelect = byId<HTMLSelectElement>('backend');
const stepsInput = byId<HTMLInputElement>('steps');
const trainButton = byId<HTMLButtonElement>('train');
const status = byId<HTMLParagraphElement>('status');
const losses = byId<HTMLOListElement>('losses');
const chart = byId<HTMLCanvasElement>('chart');
const ticks = byId<HTMLSpanElement>('ticks');
const result = byId<HTMLScriptElement>('result');
const summaryView = byId<HTMLPreElement>('summary');
const downloads = [byId<HTMLAnchorElement>('download-config'), byId<HTMLAnchorElement>('download-weights')];

// A visible heartbeat: it keeps counting while the worker trains.
let tickCount = 0;
setInterval(() => (ticks.textContent = String(++tickCount)), 50);

function setStatus(state: 'idle' | 'training' | 'done' | 'error', text: string): void {
  status.dataset.state = state;
  status.textContent = text;
}

function drawLosses(records: readonly StepRecord[]): void {
  const context = chart.getContext('2d') as CanvasRenderingContext2D;
  context.clearRect(0, 0, chart.width, chart.height);
  if (records.length === 0) return;
  const max = Math.max(...records.map((r) => r.loss));
  const pad = 10;
  context.strokeStyle = '#1565c0';
  context.lineWidth = 2;
  context.beginPath();
  records.forEach((record, i) => {
    const x = pad + (i / Math.max(1, records.length - 1)) * (chart.width - 2 * pad);
    const y = chart.height - pad - (record.loss / max) * (chart.height - 2 * pad);
    if (i === 0) context.moveTo(x, y);
    else context.lineTo(x, y);
  });
  context.stroke();
  context.fillStyle = '#333';
  context.fillText(`loss ${max.toFixed(4)} → ${records[records.length - 1].loss.toFixed(4)}`, pad + 4, pad + 10);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}

function describeRun(run: DemoResult): string {
  const numbers = (values: readonly number[]) => values.map((v) => v.toFixed(6)).join(' ');
  return [
    `engine:            ${run.engine}`,
    `loss:              ${run.steps[0].loss.toFixed(5)} → ${run.steps[run.steps.length - 1].loss.toFixed(5)} in ${run.steps.length} steps`,
    `median step:       ${run.medianStepMs.toFixed(2)} ms (first step, with warm-up: ${run.steps[0].ms.toFixed(1)} ms)`,
    `page ticks:        ${run.pageTicks} while training (the page stayed responsive)`,
    `trained outputs:   ${numbers(run.outputs)}`,
    `reloaded outputs:  ${numbers(run.reloadedOutputs)} (from IndexedDB)`,
    `reload equal:      ${run.reloadEqual}`,
  ].join('\n');
}

function offer(link: HTMLAnchorElement, bytes: ArrayBuffer, type: string): void {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([bytes], { type }));
  link.hidden = false;
}

function start(): void {
  const backend = backendSelect.value as DemoBackend;
  const steps = Number(stepsInput.value);
  if (!DEMO_BACKENDS.includes(backend) || !Number.isInteger(steps) || steps < 1 || steps > 500) {
    setStatus('error', `Expected a backend of ${DEMO_BACKENDS.join(', ')} and 1 to 500 steps, found ${backend.slice(0, 20)} and ${stepsInput.value.slice(0, 20)}.`);
    return;
  }
  trainButton.disabled = true;
  losses.replaceChildren();
  result.textContent = '';
  summaryView.textContent = '';
  downloads.forEach((link) => (link.hidden = true));
  const records: StepRecord[] = [];
  const ticksAtStart = tickCount;
  let engine = backend as string;
  setStatus('training', `Starting ${backend}…`);

  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  const finish = () => {
    worker.terminate();
    trainButton.disabled = false;
  };
  worker.onerror = (event) => {
    setStatus('error', `Worker failed: ${event.message}`);
    finish();
  };
  worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
    if (data.type === 'backend') {
      engine = data.description;
      setStatus('training', `Training on ${engine}…`);
    } else if (data.type === 'step') {
      records.push(data.record);
      const item = document.createElement('li');
      item.textContent = `${data.record.loss.toFixed(5)}  (${data.record.ms.toFixed(1)} ms)`;
      losses.append(item);
      drawLosses(records);
    } else if (data.type === 'error') {
      setStatus('error', data.message);
      finish();
    } else {
      offer(downloads[0], data.config, 'application/json');
      offer(downloads[1], data.weights, 'application/octet-stream');
      const reloadEqual = data.outputs.length > 0 && data.outputs.every((value, i) => Object.is(value, data.reloadedOutputs[i]));
      // The first step includes backend warm-up (shader compilation, wasm start): left out of the median.
      const summary: DemoResult = {
        backend, engine, steps: records, outputs: data.outputs, reloadedOutputs: data.reloadedOutputs, reloadEqual,
        medianStepMs: median(records.slice(1).map((r) => r.ms)), pageTicks: tickCount - ticksAtStart,
      };
      result.textContent = JSON.stringify(summary);
      summaryView.textContent = describeRun(summary);
      setStatus('done', `Done on ${engine}: ${records.length} steps, reloaded adapter gives ${reloadEqual ? 'equal' : 'DIFFERENT'} outputs.`);
      finish();
    }
  };
  const request: ToWorker = { backend, steps, wasmPaths: new URL('tfjs-wasm/', location.href).href };
  worker.postMessage(request);
}

trainButton.addEventListener('click', start);
