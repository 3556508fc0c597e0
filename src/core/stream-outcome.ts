import { z } from 'zod';
import { entityKind } from './model.ts';

/**
 * Why part of a stream could not be read. The kinds read differently to a person: `denied` and
 * `unlicensed` need an admin to act, `throttled` and `transient` usually clear on the next run.
 * `interrupted`: the run was stopped (SIGINT/SIGTERM) while the stream was being read; nothing
 * failed at the vendor. Added after the first release: older stored outcomes hold only the others.
 */
export const FAILURE_KINDS = ['denied', 'unlicensed', 'auth', 'throttled', 'transient', 'truncated', 'invalid', 'interrupted'] as const;
export const failureKind = z.enum(FAILURE_KINDS);
export type FailureKind = z.infer<typeof failureKind>;

export const streamFailure = z.object({
  kind: failureKind,
  /** One sentence for a person: what failed and what to do. Never holds secrets or tokens. */
  detail: z.string(),
  /**
   * Set when only one field of otherwise complete records is missing (e.g. `signIn` when the tenant
   * has no Entra ID P1). Rules that do not read that field can still be evaluated.
   */
  field: z.string().optional(),
  /** The permission, scope or licence that would fix it, when known. */
  needs: z.string().optional(),
});
export type StreamFailure = z.infer<typeof streamFailure>;

/**
 * - `complete`: every page was read and mapped.
 * - `partial`: records are missing or a field is missing on all of them; see `failures`.
 * - `failed`: nothing usable was read.
 * - `not_applicable`: the vendor says this data cannot exist for the tenant (e.g. PIM-eligible roles
 *   without Entra ID P2); counts as complete with no records, and the reason is kept.
 * - `disabled`: switched off in config on purpose; rules needing it are not evaluable.
 */
export const STREAM_STATUSES = ['complete', 'partial', 'failed', 'not_applicable', 'disabled'] as const;
export const streamStatus = z.enum(STREAM_STATUSES);
export type StreamStatus = z.infer<typeof streamStatus>;

export const streamOutcome = z.object({
  connector: z.string(),
  instance: z.string(),
  stream: z.string(),
  entity: entityKind,
  status: streamStatus,
  pages: z.number().int().nonnegative(),
  records: z.number().int().nonnegative(),
  failures: z.array(streamFailure),
  note: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type StreamOutcome = z.infer<typeof streamOutcome>;

/** Whether a stream's records can be relied on for a rule that reads the given fields. */
export function outcomeUsableFor(outcome: StreamOutcome, fields: readonly string[]): { usable: boolean; why: string | null } {
  if (outcome.status === 'complete' || outcome.status === 'not_applicable') return { usable: true, why: null };
  if (outcome.status === 'partial') {
    const blocking = outcome.failures.filter((f) => f.field === undefined || fields.includes(f.field));
    if (blocking.length === 0) return { usable: true, why: null };
    return { usable: false, why: describeFailures(outcome, blocking) };
  }
  if (outcome.status === 'disabled') {
    return { usable: false, why: `${outcome.instance}/${outcome.stream} is disabled in the config${outcome.note ? ` (${outcome.note})` : ''}` };
  }
  return { usable: false, why: describeFailures(outcome, outcome.failures) };
}

function describeFailures(outcome: StreamOutcome, failures: readonly StreamFailure[]): string {
  const parts = failures.map((f) => `${f.kind}: ${f.detail}${f.needs ? ` (needs ${f.needs})` : ''}`);
  const what = parts.length > 0 ? parts.join('; ') : 'no reason was recorded';
  return `${outcome.instance}/${outcome.stream} is ${outcome.status}: ${what}`;
}
