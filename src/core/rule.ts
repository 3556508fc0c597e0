import { z } from 'zod';
import type { EntityKind } from './model.ts';
import type { SnapshotView } from '../evaluate/snapshot-view.ts';

export const RESULT_STATUSES = ['pass', 'fail', 'not_evaluable'] as const;
export const resultStatus = z.enum(RESULT_STATUSES);
export type ResultStatus = z.infer<typeof resultStatus>;

export const resultSubject = z.object({
  /** The entity key (stable across runs), so a finding keeps its identity over time. */
  ref: z.string(),
  /** What a person recognises: a UPN, an app name. */
  label: z.string(),
  /** The connector instance it came from. */
  instance: z.string(),
  /**
   * `excepted`: a failure accepted by an exception in force (config `exceptions`); only the engine
   * sets it (src/evaluate/exceptions.ts), and `why` then ends with who accepted it, until when, why.
   * `pending`: not failing yet, but will once a time limit passes (a leaver's account within the
   * 24 h after leaving); never makes a result fail, and `why` says how long remains.
   */
  status: z.enum(['fail', 'excepted', 'excluded', 'pending', 'not_evaluable']),
  /** A sentence a person understands, e.g. "Global Administrator with no MFA method registered". */
  why: z.string(),
  /**
   * How much a subject matters, where a rule grades it (shadow-ai: from the reach of the scopes
   * granted). Absent for rules that do not grade, and in results stored before it existed.
   */
  severity: z.enum(['high', 'medium', 'low']).optional(),
});
export type ResultSubject = z.infer<typeof resultSubject>;

export const resultBreakdown = z.object({
  /** A connector instance, or `overall`. */
  scope: z.string(),
  status: resultStatus,
  measured: z.number().nullable(),
  summary: z.string(),
});
export type ResultBreakdown = z.infer<typeof resultBreakdown>;

/**
 * One configured exception as a result reports it: every exception naming the rule is listed,
 * in config order, whether it applied or not, so the results say what was accepted and what lapsed.
 */
export const resultException = z.object({
  rule: z.string(),
  /** The pattern as configured: a subject's label or ref, `*` wildcards, case-insensitive. */
  subject: z.string(),
  reason: z.string(),
  approvedBy: z.string(),
  /** Last day it applies (inclusive, UTC), `YYYY-MM-DD`. */
  expires: z.string(),
  /** `expired`: `expires` is before the run's day; it no longer applies, by itself. */
  status: z.enum(['in_force', 'expired']),
  /** How many `fail` subjects it turned into `excepted` (0 when expired). */
  matched: z.number().int().nonnegative(),
});
export type ResultException = z.infer<typeof resultException>;

export const ruleResult = z.object({
  ruleId: z.string(),
  title: z.string(),
  controls: z.array(z.string()),
  status: resultStatus,
  /** One line: what was measured against what. */
  summary: z.string(),
  measured: z.number().nullable(),
  threshold: z.number().nullable(),
  unit: z.enum(['ratio', 'count']).nullable(),
  /** For `not_evaluable`: which stream, permission or licence is missing. */
  reasons: z.array(z.string()),
  breakdown: z.array(resultBreakdown),
  /** Failing, excluded and unevaluable subjects (passing ones are counted in `summary`, not listed). */
  subjects: z.array(resultSubject),
  /** SHA-256 hashes of the raw pages this result rests on. */
  evidence: z.array(z.string()),
  /**
   * `true` only for a `not_evaluable` result whose rule does not apply to the organisation at all
   * (root-account where no AWS account is configured): nothing was checked, so it is never a pass,
   * but reports and exit codes need not treat it as evidence that could not be read.
   */
  notApplicable: z.boolean().default(false),
  params: z.record(z.string(), z.unknown()),
  /** Every configured exception for this rule, in force or expired (stored results from before exceptions read as none). */
  exceptions: z.array(resultException).default([]),
});
export type RuleResult = z.infer<typeof ruleResult>;

/**
 * Declared by a rule whose subject exists only in some systems (an AWS root user, access keys).
 * When no configured connector yields a stream of `entity` at all, the engine answers
 * `not_evaluable` with `notApplicable: true` and the reason `not applicable: <because>` without
 * calling the rule. A stream of `entity` that exists but failed is not "not applicable".
 */
export interface Applicability {
  entity: EntityKind;
  /** Completes "not applicable: …", e.g. "no AWS account is configured". */
  because: string;
}

export interface Requirement {
  entity: EntityKind;
  /** Fields of the entity the rule reads that a stream may be missing (e.g. `signIn`). */
  fields?: string[];
}

/** What a rule's `evaluate` returns; the engine adds identity, controls, evidence and params. */
export interface RuleVerdict {
  status: Exclude<ResultStatus, 'not_evaluable'> | 'not_evaluable';
  summary: string;
  measured: number | null;
  threshold: number | null;
  unit: RuleResult['unit'];
  reasons?: string[];
  breakdown: ResultBreakdown[];
  subjects: ResultSubject[];
}

/**
 * A rule is pure and synchronous: it reads only the snapshot view, never the network or the store,
 * so any stored run re-evaluates offline to the same result. Before `evaluate` runs, the engine
 * checks every requirement and returns `not_evaluable` itself when a stream is missing.
 */
/**
 * What the engine may conclude when exceptions in force cover some of a rule's `fail` subjects
 * (src/evaluate/exceptions.ts). Excepted subjects are always marked; this only decides whether the
 * status and `measured` may change, so a result never turns `pass` while a failing reason remains.
 * - `count`: `measured` (overall, and each breakdown row for its instance) is the number of `fail`
 *   subjects, and the rule fails exactly when it exceeds `threshold`: the engine recounts.
 * - `subjects`: the rule fails exactly when a `fail` subject exists, but `measured` is something
 *   else (privileged-count: admins per system); with no `fail` subject left the status is re-derived
 *   and `measured` kept.
 * - `none`: status and `measured` stay as the rule computed them; the summary says how many failing
 *   subjects are covered. Right for ratios, which cannot be recomputed from subjects alone.
 */
export type ExceptionEffect = 'count' | 'subjects' | 'none';

export interface Rule<P extends Record<string, unknown> = Record<string, unknown>> {
  readonly id: string;
  readonly title: string;
  /** What it checks, for the README and reports. */
  readonly description: string;
  /** e.g. `ISO27001:2022/A.8.5`, `SOC2/CC6.1`, `CISv8/6.3`. */
  readonly controls: readonly string[];
  readonly requires: readonly Requirement[];
  readonly appliesTo?: Applicability;
  readonly paramsSchema: z.ZodType<P>;
  /** @default 'count' for a verdict with `unit: 'count'`, else 'none' (see `ExceptionEffect`). */
  readonly exceptionEffect?: ExceptionEffect;
  evaluate(view: SnapshotView, params: P): RuleVerdict;
}
