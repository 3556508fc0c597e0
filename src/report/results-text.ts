import type { ResultException, RuleResult } from '../core/rule.ts';
import { textTable } from './text-table.ts';
import { formatPercent, formatThreshold } from '../core/percent.ts';

const STATUS_LABEL: Record<RuleResult['status'], string> = { pass: 'PASS', fail: 'FAIL', not_evaluable: 'NOT EVALUABLE' };

function statusLabel(r: Pick<RuleResult, 'status' | 'notApplicable'>): string {
  return r.notApplicable ? 'N/A' : STATUS_LABEL[r.status];
}

function formatValue(v: number | null, unit: RuleResult['unit'], threshold = false): string {
  if (v === null) return '—';
  if (unit !== 'ratio') return String(v);
  return threshold ? formatThreshold(v) : formatPercent(v);
}

function shortControls(controls: readonly string[]): string {
  return controls
    .filter((c) => c.startsWith('ISO27001:2022/'))
    .map((c) => c.replace('ISO27001:2022/', ''))
    .join(' ');
}

/** Marks before a subject line: what needs action, what could not be judged, what is due soon, what was accepted. */
const SUBJECT_MARK = { fail: '✗', not_evaluable: '?', pending: '…', excepted: '~' } as const;

/**
 * The results as a person reads them: one row per rule, then for each rule that needs action (or
 * has exceptions) the subjects and why (capped, with the command that lists them all), and every
 * exception of the rule, in force or expired, so what was accepted is never hidden.
 */
export function renderResults(results: readonly RuleResult[], opts: { subjectsPerRule?: number } = {}): string {
  const cap = opts.subjectsPerRule ?? 10;
  const table = textTable(
    ['Rule', 'Annex A', 'Status', 'Measured', 'Threshold', 'Summary'],
    results.map((r) => [r.ruleId, shortControls(r.controls), statusLabel(r), formatValue(r.measured, r.unit), formatValue(r.threshold, r.unit, true), r.summary]),
    { maxWidth: [22, 24, 13, 9, 9, 110] },
  );
  const sections: string[] = [table];
  for (const r of results) {
    // A pass with pending subjects (a leaver within the limit) is shown: it fails soon unless acted on.
    const quiet = r.status === 'pass' && r.subjects.every((s) => s.status !== 'fail' && s.status !== 'excepted' && s.status !== 'pending');
    if ((quiet || r.notApplicable) && r.exceptions.length === 0) continue;
    const lines: string[] = [`${statusLabel(r)}  ${r.ruleId} — ${r.title}`];
    if (!r.notApplicable) {
      for (const reason of r.reasons) lines.push(`  cannot evaluate: ${reason}`);
      // With one system the breakdown repeats the overall line; show it only when it adds something.
      const scopes = r.breakdown.filter((b) => b.scope !== 'overall');
      if (scopes.length > 1) for (const b of r.breakdown) lines.push(`  ${b.scope}: ${STATUS_LABEL[b.status]} ${formatValue(b.measured, r.unit)} — ${b.summary}`);
      // Failures first (they need action), then what could not be judged, what is due soon, what was accepted.
      const listed = (['fail', 'not_evaluable', 'pending', 'excepted'] as const).flatMap((status) => r.subjects.filter((s) => s.status === status).map((s) => ({ ...s, status })));
      for (const s of listed.slice(0, cap)) lines.push(`  ${SUBJECT_MARK[s.status]} ${s.severity ? `[${s.severity}] ` : ''}${s.label} (${s.instance}): ${s.status === 'pending' ? 'pending: ' : ''}${s.why}`);
      if (listed.length > cap) lines.push(`  … and ${listed.length - cap} more; \`evidentia results --json\` lists them all`);
      const excluded = r.subjects.filter((s) => s.status === 'excluded').length;
      if (excluded > 0) lines.push(`  (${excluded} excluded (reason in --json))`);
    }
    for (const e of r.exceptions) lines.push(`  ${describeException(e)}`);
    sections.push(lines.join('\n'));
  }
  return sections.join('\n\n');
}

/** One line per configured exception: in force (and how many failures it covers) or expired. */
function describeException(e: ResultException): string {
  const what = `"${e.subject}" — ${e.reason} (approved by ${e.approvedBy})`;
  if (e.status === 'expired') return `exception expired on ${e.expires}, no longer applied: ${what}`;
  return `exception in force until ${e.expires}: ${what}; covers ${e.matched} failing ${e.matched === 1 ? 'subject' : 'subjects'}`;
}

/** A rule that does not apply to the organisation (no AWS, say) is not a finding; anything else short of pass is. */
export function overallExitStatus(results: readonly RuleResult[]): 'ok' | 'findings' {
  return results.every((r) => r.status === 'pass' || r.notApplicable) ? 'ok' : 'findings';
}
