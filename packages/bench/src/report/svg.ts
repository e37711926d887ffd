/**
 * Hand-written SVG charts (no dependencies): a scatter plot with a log x-axis,
 * a line chart over categories, and horizontal bars. Each returns a complete,
 * self-contained SVG document.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
  readonly label: string;
  readonly group?: string;
}

export interface Series {
  readonly name: string;
  /** One value per category (null: no point). */
  readonly values: ReadonlyArray<number | null>;
  /** Interval bounds per category, drawn as a shaded band (null: no band there). */
  readonly low?: ReadonlyArray<number | null>;
  readonly high?: ReadonlyArray<number | null>;
  readonly group?: string;
}

export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly group?: string;
  /** Printed after the bar; default the value. */
  readonly text?: string;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939', '#8c6d31', '#843c39', '#7b4173', '#3182bd', '#e6550d', '#31a354'];
export const FONT = 'font-family="Helvetica, Arial, sans-serif"';

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

export function color(index: number): string {
  return PALETTE[index % PALETTE.length];
}

export function document(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/** Round tick values covering [low, high]. */
export function niceTicks(low: number, high: number, count = 5): number[] {
  if (!Number.isFinite(low) || !Number.isFinite(high)) return [];
  if (low === high) return [low];
  const span = high - low;
  const step0 = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function tickText(value: number): string {
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toPrecision(3).replace(/\.?0+$/, '')}M`;
  if (Math.abs(value) >= 1e3) return `${(value / 1e3).toPrecision(3).replace(/\.?0+$/, '')}k`;
  return String(Number(value.toPrecision(4)));
}

export interface Frame {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export function axes(frame: Frame, xLabel: string, yLabel: string): string[] {
  const { left, top, width, height } = frame;
  return [
    `<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#444"/>`,
    `<text x="${left + width / 2}" y="${top + height + 38}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(xLabel)}</text>`,
    `<text transform="translate(${left - 48} ${top + height / 2}) rotate(-90)" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(yLabel)}</text>`,
  ];
}

export function yAxis(frame: Frame, low: number, high: number, y: (v: number) => number): string[] {
  return niceTicks(low, high).flatMap((t) => [
    `<line x1="${frame.left}" x2="${frame.left + frame.width}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`,
    `<text x="${frame.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end" font-size="11" ${FONT}>${tickText(t)}</text>`,
  ]);
}

export function padRange(values: number[], fraction = 0.08): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 1];
  let low = Math.min(...finite);
  let high = Math.max(...finite);
  if (low === high) {
    low -= Math.abs(low) * 0.1 || 1;
    high += Math.abs(high) * 0.1 || 1;
  }
  const pad = (high - low) * fraction;
  return [low - pad, high + pad];
}

export function legend(x: number, y: number, entries: ReadonlyArray<{ name: string; color: string }>): string[] {
  return entries.flatMap((entry, i) => [
    `<rect x="${x}" y="${y + i * 16 - 9}" width="10" height="10" fill="${entry.color}"/>`,
    `<text x="${x + 15}" y="${y + i * 16}" font-size="11" ${FONT}>${escapeXml(entry.name)}</text>`,
  ]);
}

/** Points over a log10 x-axis (parameter counts), labelled. */
export function scatterChart(options: { title: string; xLabel: string; yLabel: string; points: readonly Point[] }): string {
  const width = 760;
  const height = 440;
  const frame: Frame = { left: 70, top: 40, width: 500, height: 340 };
  const points = options.points.filter((p) => p.x > 0 && Number.isFinite(p.y));
  const [xLow, xHigh] = padRange(points.map((p) => Math.log10(p.x)), 0.05);
  const [yLow, yHigh] = padRange(points.map((p) => p.y));
  const x = (v: number) => frame.left + ((Math.log10(v) - xLow) / (xHigh - xLow)) * frame.width;
  const y = (v: number) => frame.top + frame.height - ((v - yLow) / (yHigh - yLow)) * frame.height;
  const body = [...yAxis(frame, yLow, yHigh, y), ...axes(frame, options.xLabel, options.yLabel)];
  for (let e = Math.ceil(xLow); e <= Math.floor(xHigh); e++) {
    const px = x(10 ** e);
    body.push(`<line x1="${px.toFixed(1)}" x2="${px.toFixed(1)}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#eee"/>`);
    body.push(`<text x="${px.toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="11" ${FONT}>${tickText(10 ** e)}</text>`);
  }
  points.forEach((p, i) => {
    const c = color(i);
    body.push(`<circle cx="${x(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="5" fill="${c}" stroke="#222" stroke-width="0.5"><title>${escapeXml(`${p.label}: ${p.y}`)}</title></circle>`);
  });
  body.push(...legend(frame.left + frame.width + 16, frame.top + 10, points.map((p, i) => ({ name: p.label, color: color(i) }))));
  return document(width, height, options.title, body);
}

/** Lines over evenly spaced categories (shot counts). */
export function lineChart(options: { title: string; xLabel: string; yLabel: string; categories: readonly string[]; series: readonly Series[] }): string {
  const width = 760;
  const height = 440;
  const frame: Frame = { left: 70, top: 40, width: 500, height: 340 };
  const finite = (values: ReadonlyArray<number | null> | undefined) => (values ?? []).filter((v): v is number => v !== null && Number.isFinite(v));
  const all = options.series.flatMap((s) => [...finite(s.values), ...finite(s.low), ...finite(s.high)]);
  const [yLow, yHigh] = padRange(all);
  const n = options.categories.length;
  const x = (i: number) => frame.left + (n === 1 ? frame.width / 2 : 20 + (i / (n - 1)) * (frame.width - 40));
  const y = (v: number) => frame.top + frame.height - ((v - yLow) / (yHigh - yLow)) * frame.height;
  const body = [...yAxis(frame, yLow, yHigh, y), ...axes(frame, options.xLabel, options.yLabel)];
  options.categories.forEach((c, i) => body.push(`<text x="${x(i).toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="11" ${FONT}>${escapeXml(c)}</text>`));
  options.series.forEach((s, k) => body.push(...band(s, color(k), x, y)));
  options.series.forEach((s, k) => {
    const c = color(k);
    const points = s.values.map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`));
    const segments: string[][] = [[]];
    for (const p of points) {
      if (p === null) segments.push([]);
      else segments[segments.length - 1].push(p);
    }
    for (const segment of segments) if (segment.length > 1) body.push(`<polyline points="${segment.join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of points) if (p !== null) body.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3.5" fill="${c}"/>`);
  });
  body.push(...legend(frame.left + frame.width + 16, frame.top + 10, options.series.map((s, k) => ({ name: s.name, color: color(k) }))));
  return document(width, height, options.title, body);
}

/** A series' interval as translucent polygons over runs of categories where both bounds are known. */
function band(series: Series, fill: string, x: (i: number) => number, y: (v: number) => number): string[] {
  if (!series.low || !series.high) return [];
  const runs: number[][] = [[]];
  series.values.forEach((_, i) => {
    const low = series.low![i];
    const high = series.high![i];
    if (low === null || high === null || low === undefined || high === undefined || !Number.isFinite(low) || !Number.isFinite(high)) runs.push([]);
    else runs[runs.length - 1].push(i);
  });
  return runs
    .filter((run) => run.length > 0)
    .map((run) => {
      // A single category gets a short vertical bar, wide enough to see.
      const indices = run.length === 1 ? [run[0], run[0]] : run;
      const dx = run.length === 1 ? [-4, 4] : indices.map(() => 0);
      const top = indices.map((i, j) => `${(x(i) + dx[j]).toFixed(1)},${y(series.high![i]!).toFixed(1)}`);
      const bottom = indices.map((i, j) => `${(x(i) + dx[j]).toFixed(1)},${y(series.low![i]!).toFixed(1)}`).reverse();
      return `<polygon class="band" points="${[...top, ...bottom].join(' ')}" fill="${fill}" fill-opacity="0.07" stroke="none"/>`;
    });
}

/** Horizontal bars, one per label, from zero (a dashed line marks `reference`, e.g. 1x). */
export function barChart(options: { title: string; xLabel: string; bars: readonly Bar[]; reference?: number }): string {
  const rowHeight = 22;
  const frame: Frame = { left: 190, top: 40, width: 460, height: Math.max(rowHeight, options.bars.length * rowHeight) };
  const width = 760;
  const height = frame.top + frame.height + 50;
  const values = options.bars.map((b) => b.value).filter(Number.isFinite);
  const high = Math.max(options.reference ?? 0, ...values, 0) * 1.1 || 1;
  const x = (v: number) => frame.left + (v / high) * frame.width;
  const body: string[] = [];
  for (const t of niceTicks(0, high)) {
    body.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#eee"/>`);
    body.push(`<text x="${x(t).toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="11" ${FONT}>${tickText(t)}</text>`);
  }
  options.bars.forEach((bar, i) => {
    const top = frame.top + i * rowHeight + 3;
    const value = Number.isFinite(bar.value) ? bar.value : 0;
    body.push(`<text x="${frame.left - 8}" y="${top + 12}" text-anchor="end" font-size="11" ${FONT}>${escapeXml(bar.label)}</text>`);
    body.push(`<rect x="${frame.left}" y="${top}" width="${Math.max(0, x(value) - frame.left).toFixed(1)}" height="${rowHeight - 6}" fill="${color(i)}"/>`);
    body.push(`<text x="${(x(value) + 4).toFixed(1)}" y="${top + 12}" font-size="11" ${FONT}>${escapeXml(bar.text ?? String(bar.value))}</text>`);
  });
  if (options.reference !== undefined) {
    body.push(`<line x1="${x(options.reference).toFixed(1)}" x2="${x(options.reference).toFixed(1)}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#444" stroke-dasharray="4 3"/>`);
  }
  body.push(`<line x1="${frame.left}" x2="${frame.left}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#444"/>`);
  body.push(`<text x="${frame.left + frame.width / 2}" y="${frame.top + frame.height + 38}" text-anchor="middle" font-size="12" ${FONT}>${escapeXml(options.xLabel)}</text>`);
  return document(width, height, options.title, body);
}
