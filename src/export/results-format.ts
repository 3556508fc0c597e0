import { z } from 'zod';
import { resultException, resultStatus, ruleResult } from '../core/rule.ts';

/**
 * `results.json` of an export package, format version 1. Written by `evidentia export`, read by
 * `evidentia verify <package>` and by auditors' tools. Additive changes keep the version; a change
 * in meaning of an existing field bumps it.
 */
export const EXPORT_FORMAT = 'evidentia-export-results';
export const EXPORT_FORMAT_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** One rule of one run, without its subjects (those are in `evaluations/run-<id>.json`). */
export const runRuleSummary = z.object({
  ruleId: z.string(),
  status: resultStatus,
  notApplicable: z.boolean(),
  measured: z.number().nullable(),
  threshold: z.number().nullable(),
  unit: z.enum(['ratio', 'count']).nullable(),
  summary: z.string(),
  reasons: z.array(z.string()),
  controls: z.array(z.string()),
  /** How many raw pages the result rests on (their hashes are in the evaluation file). */
  evidenceCount: z.number().int().nonnegative(),
});
export type RunRuleSummary = z.infer<typeof runRuleSummary>;

export const exportedRun = z.object({
  runId: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** `complete` and `partial` runs are evidence; a `failed` run is sealed (in the chain) but read nothing usable. */
  status: z.enum(['complete', 'partial', 'failed']),
  toolVersion: z.string(),
  configDigest: z.string(),
  manifestHash: hex64,
  previousManifestHash: hex64.nullable(),
  /** `manifests/run-<id>.json`: its SHA-256 is `manifestHash`. */
  manifestFile: z.string(),
  /**
   * True for a run that started before the period but was sealed between two runs of it (runs
   * that overlapped): its manifest keeps the chain whole; its results are not counted.
   */
  bridging: z.boolean().optional(),
  evaluation: z
    .object({
      id: z.number().int(),
      evaluatedAt: z.string(),
      paramsDigest: z.string(),
      resultsHash: hex64,
      /** `evaluations/run-<id>.json`: canonical JSON of { runManifestHash, evaluatedAt, paramsDigest, results }, whose SHA-256 is `resultsHash`. */
      file: z.string(),
      rules: z.array(runRuleSummary),
    })
    .nullable(),
  /**
   * Set when the verdict used (the latest evaluation) may not be the one made at the time: the run
   * was evaluated again with other parameters (`params_changed`), or its latest evaluation was made
   * after the period ended (`evaluated_after_period`). `first` is the run's first evaluation, its
   * file in the package like the latest's; `changed` lists the rules whose verdict differs.
   */
  rejudged: z
    .object({
      reasons: z.array(z.enum(['params_changed', 'evaluated_after_period'])),
      evaluations: z.number().int().positive(),
      first: z.object({ id: z.number().int(), evaluatedAt: z.string(), paramsDigest: z.string(), resultsHash: hex64, file: z.string() }),
      changed: z.array(z.object({ ruleId: z.string(), first: z.string(), latest: z.string() })),
    })
    .optional(),
});
export type ExportedRun = z.infer<typeof exportedRun>;

export const exportGap = z.object({
  kind: z.string(),
  runId: z.number().int().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  detail: z.string(),
});
export type ExportGap = z.infer<typeof exportGap>;

/** Statement of applicability row: one Annex A control the built-in rules evidence. */
export const controlSummary = z.object({
  control: z.string(),
  title: z.string(),
  rules: z.array(z.string()),
  /**
   * `no_evidence`: no evaluated run in the period; `not_applicable`: every rule of it is N/A for this
   * organisation; `pass_with_gaps`: every evaluated run passed, but the period has a stretch of more
   * than 48 hours without an evaluated run (see `coverage`), so it is not a plain pass.
   */
  result: z.enum(['pass', 'pass_with_gaps', 'fail', 'not_evaluable', 'not_applicable', 'no_evidence']),
  runs: z.object({ pass: z.number().int(), fail: z.number().int(), notEvaluable: z.number().int(), notApplicable: z.number().int() }),
  /** Evaluated runs in the period, UTC days of the period on which none started, and the longest stretch without one (hours, edges included). */
  coverage: z.object({ evaluatedRuns: z.number().int().nonnegative(), daysWithoutEvaluatedRun: z.number().int().nonnegative(), longestGapHours: z.number().int().nonnegative() }),
  latest: z.object({ runId: z.number().int(), status: z.string() }).nullable(),
});
export type ControlSummary = z.infer<typeof controlSummary>;

export const exportResults = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_FORMAT_VERSION),
  org: z.object({ id: z.string(), name: z.string() }),
  /** Inclusive start, exclusive end (ISO instants, UTC). */
  period: z.object({ from: z.string(), to: z.string() }),
  generatedAt: z.string(),
  toolVersion: z.string(),
  /** Sealed runs started in the period in chain (sealing) order, with any bridging runs among them. */
  runs: z.array(exportedRun),
  /** Runs that were interrupted: never evidence, listed so the holes they leave are visible. */
  interruptedRuns: z.array(z.object({ runId: z.number().int(), startedAt: z.string(), finishedAt: z.string().nullable() })),
  gaps: z.array(exportGap),
  controls: z.array(controlSummary),
  /** The full results of the last evaluated run of the period (failing subjects with reasons, exceptions). */
  latest: z.object({ runId: z.number().int(), evaluatedAt: z.string(), results: z.array(ruleResult) }).nullable(),
  /** Exceptions listed by the last evaluated run, in force or expired. */
  exceptions: z.array(resultException),
  /**
   * What ties the population CSVs to the store: the evaluation they were stored with (its results
   * hash is in `evaluations/run-<id>.json`'s name and content) and, per inventory, the SHA-256 of
   * the canonical JSON stored in its row (the row's own hash chains over that JSON, the evaluation
   * id, the kind and the results hash). Null when the period has no stored inventories; absent in
   * packages written before it was added.
   */
  inventories: z
    .object({
      evaluationId: z.number().int(),
      runId: z.number().int(),
      resultsHash: hex64,
      kinds: z.array(z.object({ kind: z.string(), file: z.string(), rows: z.number().int().nonnegative(), jsonSha256: hex64 })),
    })
    .nullish(),
  /** `evidentia metrics` for the period, computed the same way (loadMetrics). */
  metrics: z.unknown(),
});
export type ExportResults = z.infer<typeof exportResults>;
