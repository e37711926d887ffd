/**
 * The trade-off PEFT promises, as a picture: forgetting on the base task (x)
 * against quality on the new one (y), one point per method, with its 95%
 * intervals as error bars on both axes. Up and to the left is better.
 */
import { FONT, axes, color, document, escapeXml, niceTicks, padRange, legend, tickText, yAxis, type Frame } from './svg';

export interface TradeoffPoint {
  readonly label: string;
  readonly x: number;
  readonly y: number;
  /** Interval bounds (null: none drawn). */
  readonly xLow?: number | null;
  readonly xHigh?: number | null;
  readonly yLow?: number | null;
  readonly yHigh?: number | null;
  readonly group?: string;
}

export function tradeoffChart(options: { title: string; xLabel: string; yLabel: string; points: readonly TradeoffPoint[] }): string {
  const width = 760;
  const height = 440;
  const frame: Frame = { left: 70, top: 40, width: 500, height: 340 };
  const points = options.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const bound = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
  const xs = points.flatMap((p) => [p.x, p.xLow, p.xHigh].filter(bound));
  const ys = points.flatMap((p) => [p.y, p.yLow, p.yHigh].filter(bound));
  // Zero forgetting is the line PEFT methods hope to sit on: always in view.
  const [xLow, xHigh] = padRange([...xs, 0]);
  const [yLow, yHigh] = padRange(ys);
  const x = (v: number) => frame.left + ((v - xLow) / (xHigh - xLow)) * frame.width;
  const y = (v: number) => frame.top + frame.height - ((v - yLow) / (yHigh - yLow)) * frame.height;
  const body = [...yAxis(frame, yLow, yHigh, y), ...axes(frame, options.xLabel, options.yLabel)];
  for (const t of niceTicks(xLow, xHigh)) {
    body.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#eee"/>`);
    body.push(`<text x="${x(t).toFixed(1)}" y="${frame.top + frame.height + 16}" text-anchor="middle" font-size="11" ${FONT}>${tickText(t)}</text>`);
  }
  body.push(`<line x1="${x(0).toFixed(1)}" x2="${x(0).toFixed(1)}" y1="${frame.top}" y2="${frame.top + frame.height}" stroke="#444" stroke-dasharray="4 3"/>`);
  points.forEach((p, i) => {
    const c = color(i);
    const px = x(p.x).toFixed(1);
    const py = y(p.y).toFixed(1);
    if (bound(p.xLow) && bound(p.xHigh)) body.push(`<line class="error-bar" x1="${x(p.xLow).toFixed(1)}" x2="${x(p.xHigh).toFixed(1)}" y1="${py}" y2="${py}" stroke="${c}" stroke-width="1.5"/>`);
    if (bound(p.yLow) && bound(p.yHigh)) body.push(`<line class="error-bar" x1="${px}" x2="${px}" y1="${y(p.yLow).toFixed(1)}" y2="${y(p.yHigh).toFixed(1)}" stroke="${c}" stroke-width="1.5"/>`);
    body.push(`<circle cx="${px}" cy="${py}" r="5" fill="${c}" stroke="#222" stroke-width="0.5"><title>${escapeXml(`${p.label}: forgetting ${p.x}, quality ${p.y}`)}</title></circle>`);
  });
  body.push(...legend(frame.left + frame.width + 16, frame.top + 10, points.map((p, i) => ({ name: p.label, color: color(i) }))));
  return document(width, height, options.title, body);
}
