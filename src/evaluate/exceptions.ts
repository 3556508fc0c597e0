import type { ExceptionConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { ExceptionEffect, ResultBreakdown, ResultException, ResultStatus, ResultSubject, RuleResult } from '../core/rule.ts';
import { compileAccountPattern } from '../identity/account-class.ts';

/**
 * Exceptions: a failing subject of one rule accepted by a named person, for a reason, until a date
 * (config `organisations[].exceptions`). Applied by the engine after a rule evaluates, so every rule
 * gets them and no rule can forget them.
 *
 * Decisions:
 * - In force while the run's UTC day (`asOf`, never the wall clock, so re-evaluating a stored run
 *   gives the same results) is on or before `expires`. An expired one stops applying by itself and
 *   is still listed, as expired, with the results.
 * - Only `fail` subjects are excepted; a subject that could not be judged is not a failure to accept.
 * - The pattern matches a subject's `label` or `ref`, case-insensitively, `*` matching any run of
 *   characters (the same matcher as the account lists). With several matching, the first in config
 *   order takes the subject, so `matched` counts each subject once.
 * - The status changes only as the rule's `exceptionEffect` allows (src/core/rule.ts): a result
 *   never becomes `pass` while a failing reason is left; subjects that could not be judged turn what
 *   would be a pass into `not_evaluable`, as the rules themselves do.
 */

export interface CompiledException {
  config: ExceptionConfig;
  inForce: boolean;
  matches(subject: Pick<ResultSubject, 'label' | 'ref'>): boolean;
}

/** The run's UTC day, `YYYY-MM-DD`, compared as a string with `expires` (same format). */
export function isInForce(expires: string, asOf: Date): boolean {
  return expires >= asOf.toISOString().slice(0, 10);
}

export function compileExceptions(exceptions: readonly ExceptionConfig[], asOf: Date): CompiledException[] {
  return exceptions.map((config) => {
    const test = compileAccountPattern(config.subject);
    return { config, inForce: isInForce(config.expires, asOf), matches: (s) => test(s.label) || test(s.ref) };
  });
}

/**
 * An exception naming no registered rule would silently accept nothing (a misspelt id), so it is a
 * config error naming the key, e.g. `organisations[0].exceptions[2].rule`.
 */
export function checkExceptionRules(exceptions: readonly ExceptionConfig[], ruleIds: readonly string[], path = 'organisation.exceptions'): void {
  const known = new Set(ruleIds);
  exceptions.forEach((e, j) => {
    if (!known.has(e.rule)) throw new ConfigError(`${path}[${j}].rule`, `no rule has the id "${e.rule}"; known rules: ${ruleIds.join(', ')}`);
  });
}

/** Marks the failing subjects the rule's exceptions in force cover, lists them all, re-derives the status where allowed. */
export function applyExceptions(result: RuleResult, exceptions: readonly CompiledException[], declared?: ExceptionEffect): RuleResult {
  const mine = exceptions.filter((e) => e.config.rule === result.ruleId);
  if (mine.length === 0) return result;
  const matched = mine.map(() => 0);
  const subjects = result.subjects.map((s): ResultSubject => {
    if (s.status !== 'fail') return s;
    const i = mine.findIndex((e) => e.inForce && e.matches(s));
    if (i < 0) return s;
    matched[i] = matched[i]! + 1;
    const { expires, approvedBy, reason } = mine[i]!.config;
    return { ...s, status: 'excepted', why: `${s.why} — accepted until ${expires} by ${approvedBy}: ${reason}` };
  });
  const listed: ResultException[] = mine.map(({ config, inForce }, i) => ({
    rule: config.rule,
    subject: config.subject,
    reason: config.reason,
    approvedBy: config.approvedBy,
    expires: config.expires,
    status: inForce ? 'in_force' : 'expired',
    matched: matched[i]!,
  }));
  const covered = matched.reduce((a, b) => a + b, 0);
  if (covered === 0) return { ...result, exceptions: listed };
  return { ...rederive(result, subjects, covered, declared ?? (result.unit === 'count' ? 'count' : 'none')), exceptions: listed };
}

function rederive(result: RuleResult, subjects: ResultSubject[], covered: number, effect: ExceptionEffect): RuleResult {
  const failsBefore = result.subjects.filter(isFail).length;
  const remaining = subjects.filter(isFail).length;
  const note = `${covered} failing ${covered === 1 ? 'subject' : 'subjects'} covered by exceptions in force`;
  const unchanged = (why: string) => withNote({ ...result, subjects }, why ? `${note}; ${why}` : note);

  if (result.status !== 'fail') return unchanged('');
  if (effect === 'none') return unchanged('the ratio and the status are unchanged (a ratio cannot be recomputed from its failing subjects)');
  // A rule whose count is not its failing subjects would be recounted wrongly: leave it as it is.
  if (effect === 'count' && (result.threshold === null || result.measured !== failsBefore)) {
    return unchanged("the status is unchanged (the rule's count is not the number of its failing subjects)");
  }

  const failing = effect === 'count' ? remaining > result.threshold! : remaining > 0;
  const status = failing ? 'fail' : settled(subjects, result.evidence.length > 0);
  const measured = status === 'not_evaluable' ? null : effect === 'count' ? remaining : result.measured;
  const summary = `${result.summary}; ${note}, ${remaining} still failing`;
  const reasons = status === 'not_evaluable' && result.reasons.length === 0 ? unjudged(subjects, result.evidence.length > 0) : result.reasons;
  const breakdown = result.breakdown.map((row) =>
    row.scope === 'overall' ? { ...row, status, measured, summary: `${row.summary}; ${note}, ${remaining} still failing` } : rederiveRow(row, result, subjects, effect),
  );
  return { ...result, status, measured, summary, reasons, breakdown, subjects };
}

/** A breakdown row counts the subjects whose instance (or, per system, whose ref) is its scope. */
function rederiveRow(row: ResultBreakdown, result: RuleResult, subjects: ResultSubject[], effect: ExceptionEffect): ResultBreakdown {
  const inRow = (s: ResultSubject) => s.instance === row.scope || s.ref === row.scope;
  const mine = subjects.filter(inRow);
  const covered = mine.filter((s) => s.status === 'excepted').length;
  if (covered === 0) return row;
  const before = result.subjects.filter((s) => inRow(s) && isFail(s)).length;
  const remaining = mine.filter(isFail).length;
  const note = `${covered} covered by exceptions in force, ${remaining} still failing`;
  if (row.status !== 'fail' || (effect === 'count' && row.measured !== before)) return { ...row, summary: `${row.summary}; ${note}` };
  const failing = effect === 'count' ? remaining > result.threshold! : remaining > 0;
  const status = failing ? 'fail' : settled(mine, true);
  const measured = status === 'not_evaluable' ? null : effect === 'count' ? remaining : row.measured;
  return { ...row, status, measured, summary: `${row.summary}; ${note}` };
}

/** With no failure left: `pass` only if every subject was judged and evidence backs it. */
function settled(subjects: readonly ResultSubject[], evidenced: boolean): ResultStatus {
  return evidenced && !subjects.some((s) => s.status === 'not_evaluable') ? 'pass' : 'not_evaluable';
}

function unjudged(subjects: readonly ResultSubject[], evidenced: boolean): string[] {
  const out = subjects.filter((s) => s.status === 'not_evaluable').map((s) => `${s.label}${s.label === s.instance ? '' : ` in ${s.instance}`}: ${s.why}`);
  if (!evidenced) out.push('no stored raw pages back this result, so a pass cannot be evidenced');
  return out;
}

function withNote(result: RuleResult, note: string): RuleResult {
  return {
    ...result,
    summary: `${result.summary}; ${note}`,
    breakdown: result.breakdown.map((row) => (row.scope === 'overall' ? { ...row, summary: `${row.summary}; ${note}` } : row)),
  };
}

function isFail(s: ResultSubject): boolean {
  return s.status === 'fail';
}
