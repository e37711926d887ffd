/**
 * Paired comparisons with full fine-tuning: for every method, its scores minus
 * full fine-tuning's on the same task and shot, seed by seed and example by
 * example, with a bootstrap interval over those differences.
 */
import type { MethodResult, PairedDifference, VersusFull } from '../report/results';
import { pairedDifference, type ScoreSet } from './bootstrap';
import { summarizeScores } from './stats';

/** The paired difference a - b, or null when the two were not scored on the same seeds and units. */
export function compareScores(a: ScoreSet | null | undefined, b: ScoreSet | null | undefined): PairedDifference | null {
  if (!a || !b || !sameUnits(a, b)) return null;
  const summary = summarizeScores(pairedDifference(a, b));
  const distinguishable = summary.low !== null && summary.high !== null && (summary.low > 0 || summary.high < 0);
  return { ...summary, distinguishable };
}

function sameUnits(a: ScoreSet, b: ScoreSet): boolean {
  return (
    a.design === b.design &&
    a.seeds.length === b.seeds.length &&
    a.seeds.every((seed, s) => seed === b.seeds[s]) &&
    a.values.every((row, s) => row.length === b.values[s].length)
  );
}

/** Adds `versusFull` to every result (null for full fine-tuning itself and where it has no counterpart). */
export function withPairedDifferences<R extends Omit<MethodResult, 'versusFull'>>(results: readonly R[]): Array<R & { versusFull: VersusFull | null }> {
  const full = new Map<string, R>();
  for (const r of results) if (r.method === 'full' && r.status === 'ok') full.set(`${r.task}|${String(r.shot)}`, r);
  return results.map((r) => {
    const reference = full.get(`${r.task}|${String(r.shot)}`);
    if (r.status !== 'ok' || r.method === 'full' || reference === undefined || !r.scores || !reference.scores) return { ...r, versusFull: null };
    return {
      ...r,
      versusFull: {
        quality: compareScores(r.scores.quality, reference.scores.quality),
        forgetting: compareScores(r.scores.forgetting, reference.scores.forgetting),
      },
    };
  });
}
