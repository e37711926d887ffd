/** Small pieces: argument parsing, statistics, charts, the memory watermark. */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@peftjs/core';
import { MemoryWatermark, UsageError, barChart, lineChart, parseArgs, scatterChart, summarize } from '../src/index';

test('flags parse, and bad ones are usage errors', () => {
  const options = parseArgs(['full', '--tasks', 'mnist-mlp,text', '--shots', '1,10,all', '--seeds', '0,2', '--backend', 'cpu', '--out=out']);
  expect(options).toMatchObject({ suite: 'full', tasks: ['mnist-mlp', 'text'], shots: [1, 10, 'all'], seeds: [0, 2], backend: 'cpu', out: 'out' });
  expect(parseArgs(['--seed-count', '3']).seeds).toEqual([0, 1, 2]);
  expect(() => parseArgs(['--backend', 'gpu'])).toThrow(UsageError);
  expect(() => parseArgs(['--shots', '0'])).toThrow(/positive integers/);
  expect(() => parseArgs(['--frobnicate'])).toThrow(/unknown option/);
});

test('summaries of one value per run bootstrap over the runs, within their range', () => {
  const s = summarize([1, 2, 3]);
  expect(s.mean).toBe(2);
  expect(s.low!).toBeGreaterThanOrEqual(1);
  expect(s.high!).toBeLessThanOrEqual(3);
  expect(s.low!).toBeLessThan(2);
  expect(s.high!).toBeGreaterThan(2);
  expect(summarize([5]).low).toBeNull();
});

test('charts are complete SVG documents with escaped labels', () => {
  const scatter = scatterChart({ title: 'a <b>', xLabel: 'x', yLabel: 'y', points: [{ x: 10, y: 1, label: 'LoRA & co' }, { x: 1e5, y: 2, label: 'full' }] });
  expect(scatter).toContain('a &lt;b&gt;');
  expect(scatter).toContain('LoRA &amp; co');
  expect(lineChart({ title: 't', xLabel: 'x', yLabel: 'y', categories: ['1', '10'], series: [{ name: 's', values: [1, null] }] })).toContain('<circle');
  expect(barChart({ title: 't', xLabel: 'x', bars: [{ label: 'a', value: 2 }], reference: 1 })).toContain('stroke-dasharray');
});

test('the memory watermark sees the peak between samples', async () => {
  await useBackend('wasm');
  const watermark = new MemoryWatermark();
  tf.tidy(() => {
    tf.zeros([1000]);
  });
  const { peakBytes, exact } = watermark.stop();
  expect(exact).toBe(true);
  expect(peakBytes - watermark.startBytes).toBeGreaterThanOrEqual(4000);
  expect(tf.memory().numBytes).toBe(watermark.startBytes);
});
