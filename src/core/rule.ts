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
  status: z.enum(['fail', 'excluded', 'not_evaluable']),
  /** A sentence a person understands, e.g. "Global Administrator with no MFA method registered". */
  why: z.string(),
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
  evaluate(view: SnapshotView, params: P): RuleVerdict;
}
