import { ACCOUNT_CLASSES } from '../src/evaluate/snapshot-view.ts';
import type { AccountClass } from '../src/evaluate/snapshot-view.ts';
import type { ResultBreakdown, ResultSubject, RuleVerdict } from '../src/core/rule.ts';

/**
 * Wording shared by the ratio rules, so every summary reads the same way in reports.
 */

export { formatPercent, formatThreshold } from '../src/core/percent.ts';

export const CLASS_LABELS: Record<AccountClass, string> = {
  human: 'human',
  guest: 'guest',
  service: 'service',
  shared_mailbox: 'shared mailbox',
  break_glass: 'break-glass',
  root: 'root user',
  disabled: 'disabled',
  future_hire: 'future hire',
};

/** `excluded 4 accounts (2 guest, 1 service, 1 disabled)`, or '' when nothing was excluded. */
export function describeExcluded(counts: ReadonlyMap<AccountClass, number>): string {
  // Fixed class order, so the same counts always read the same.
  const parts = ACCOUNT_CLASSES.filter((c) => (counts.get(c) ?? 0) > 0).map((c) => `${counts.get(c)} ${CLASS_LABELS[c]}`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return '';
  return `excluded ${total} account${total === 1 ? '' : 's'} (${parts.join(', ')})`;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Joins the non-empty clauses of a summary with `; `. */
export function join(...clauses: string[]): string {
  return clauses.filter((c) => c !== '').join('; ');
}

export function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((acc, t) => acc + f(t), 0);
}

/** A ratio rule's verdict, positional so each rule's return statements stay one line. */
export function ratioVerdict(
  status: RuleVerdict['status'],
  summary: string,
  measured: number | null,
  threshold: number,
  reasons: string[],
  breakdown: ResultBreakdown[],
  subjects: ResultSubject[],
): RuleVerdict {
  return { status, summary, measured, threshold, unit: 'ratio', reasons, breakdown, subjects };
}
