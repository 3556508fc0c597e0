import { FAMILIES, total, type Family } from './call-counts.ts';
import type { RunFigures, SizeFigures } from './bench-size.ts';
import { DOCUMENTED_QUOTAS } from './time-floors.ts';

/**
 * The project's speed and size targets, judged on one size's figures. The bench reports them and
 * never fails on them: a benchmark that fails builds gets its thresholds loosened until it means
 * nothing; a printed figure stays honest.
 */

export const TARGETS = {
  /** Calls issued at most 5 % above the minimum the API allows. */
  callsOverMinimum: 1.05,
  /** No 429 while pacing within the documented quotas. */
  throttled: 0,
  /** Peak RSS at 100,000 users. */
  peakRssBytes: 512 * 1024 * 1024,
  /** Bytes a second run on an unchanged tenant adds, relative to the first run's database. */
  secondRunShare: 0.02,
} as const;

export interface FamilyRatio {
  family: Family;
  issued: number;
  minimum: number;
  minimumOnDouble: number;
  /** issued / minimum; null when the minimum is 0 (and so is `issued`). */
  ratio: number | null;
}

export interface Derived {
  families: FamilyRatio[];
  totalIssued: number;
  totalMinimum: number;
  totalMinimumOnDouble: number;
  ratio: number;
  ratioOnDouble: number;
  throttled: number;
  /** Busiest windows over both runs, against the documented quotas. */
  busiestSignInPer60s: number;
  busiestReportsPer10s: number;
  withinQuotas: boolean;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  run1Bytes: number | null;
  run2AddedBytes: number | null;
  run2Share: number | null;
  /** `null`: not judged, because the run it needs did not complete (an interrupted run sends fewer calls). */
  targets: { calls: boolean | null; callsOnDouble: boolean | null; no429: boolean; withinQuotas: boolean; memory: boolean; secondRun: boolean | null };
}

export function derive(s: SizeFigures): Derived {
  const first = s.runs[0];
  const second = s.runs[1];
  const families = FAMILIES.map((family) => familyRatio(family, first, s)).filter((f) => f.issued > 0 || f.minimum > 0);
  const totalIssued = first ? total(first.issued.calls) : 0;
  const totalMinimum = total(s.minimum);
  const totalMinimumOnDouble = total(s.minimumOnDouble);
  const throttled = s.runs.reduce((sum, r) => sum + total(r.issued.throttled), 0);
  const busiestSignInPer60s = Math.max(0, ...s.runs.map((r) => r.issued.busiest.signInPer60s));
  const busiestReportsPer10s = Math.max(0, ...s.runs.map((r) => r.issued.busiest.reportsPer10s));
  const withinQuotas = busiestSignInPer60s <= DOCUMENTED_QUOTAS.signIn.cap && busiestReportsPer10s <= DOCUMENTED_QUOTAS.reports.cap;
  const peakRssBytes = Math.max(0, ...s.runs.map((r) => Math.max(r.maxRssBytes, r.memory.peakRssBytes)));
  const peakHeapUsedBytes = Math.max(0, ...s.runs.map((r) => r.memory.peakHeapUsedBytes));
  const run1Bytes = first ? first.db.totalBytes : null;
  const run2AddedBytes = first && second ? second.db.totalBytes - first.db.totalBytes : null;
  const run2Share = run1Bytes && run2AddedBytes !== null ? run2AddedBytes / run1Bytes : null;
  const ratio = totalIssued / totalMinimum;
  const complete = first?.status === 'complete';
  const bothComplete = complete && second?.status === 'complete';
  const ratioOnDouble = totalIssued / totalMinimumOnDouble;
  return {
    families,
    totalIssued,
    totalMinimum,
    totalMinimumOnDouble,
    ratio,
    ratioOnDouble,
    throttled,
    busiestSignInPer60s,
    busiestReportsPer10s,
    withinQuotas,
    peakRssBytes,
    peakHeapUsedBytes,
    run1Bytes,
    run2AddedBytes,
    run2Share,
    targets: {
      calls: complete ? ratio <= TARGETS.callsOverMinimum : null,
      callsOnDouble: complete ? ratioOnDouble <= TARGETS.callsOverMinimum : null,
      no429: throttled <= TARGETS.throttled,
      withinQuotas,
      memory: peakRssBytes < TARGETS.peakRssBytes,
      secondRun: run2Share === null || !bothComplete ? null : run2Share < TARGETS.secondRunShare,
    },
  };
}

function familyRatio(family: Family, run: RunFigures | undefined, s: SizeFigures): FamilyRatio {
  const issued = run?.issued.calls[family] ?? 0;
  const minimum = s.minimum[family];
  return { family, issued, minimum, minimumOnDouble: s.minimumOnDouble[family], ratio: minimum > 0 ? issued / minimum : issued > 0 ? Infinity : null };
}
