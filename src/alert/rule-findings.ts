import type { RuleResult } from '../core/rule.ts';
import { REGISTER_SCOPE } from '../../rules/shadow-ai.ts';
import { DEFAULT_SEVERITY, emptyObservation, findingId } from './finding.ts';
import type { EventType, Observation, Severity } from './finding.ts';

/**
 * Findings that rules already judged, read from a stored evaluation (pure: no I/O).
 * - leaver-access: each `fail` subject (a person's account still usable past the limit).
 * - shadow-ai: each `fail` subject that is an AI app holding grants in a connector instance (register
 *   faults such as a missing owner are governance, not a new grant, and do not alert).
 * - mfa-coverage: each breakdown scope (a system, or `overall`) whose status is `fail`.
 * Coverage is the breakdown scopes whose status is pass or fail; a not_evaluable scope or a rule
 * missing from the evaluation covers nothing, so its open findings stay open.
 */
export function ruleFindings(org: string, runId: number, results: readonly RuleResult[]): Observation {
  const out = emptyObservation(org, runId);
  const byId = new Map(results.map((r) => [r.ruleId, r]));
  subjectFindings(out, byId.get('leaver-access'), 'leaver_access', () => DEFAULT_SEVERITY.leaver_access, () => true);
  subjectFindings(out, byId.get('shadow-ai'), 'shadow_ai', subjectSeverity, (s) => s.instance !== REGISTER_SCOPE && s.ref.startsWith('ai-app:'));
  scopeFindings(out, byId.get('mfa-coverage'), 'mfa_below_threshold');
  return out;
}

type Subject = RuleResult['subjects'][number];

function judgedScopes(result: RuleResult): string[] {
  return result.breakdown.filter((b) => b.scope !== 'overall' && (b.status === 'pass' || b.status === 'fail')).map((b) => b.scope);
}

function subjectFindings(out: Observation, result: RuleResult | undefined, type: EventType, severity: (s: Subject) => Severity, applies: (s: Subject) => boolean): void {
  if (!result) {
    out.notes.push(`${type}: the evaluation has no result for its rule; open findings are kept`);
    return;
  }
  if (result.status === 'not_evaluable') out.notes.push(`${type}: ${result.ruleId} is not evaluable (${result.reasons.join('; ') || result.summary}); open findings are kept`);
  else out.coverage.push({ type, scopes: judgedScopes(result) });
  for (const s of result.subjects) {
    if (!applies(s)) continue;
    const subject = `${s.instance}/${s.ref}`;
    const id = findingId(out.org, type, result.ruleId, subject);
    if (s.status === 'not_evaluable') out.unknown.push(id);
    if (s.status !== 'fail') continue;
    out.findings.push({ id, org: out.org, type, rule: result.ruleId, subject, label: s.label, scope: s.instance, severity: severity(s), detail: s.why });
  }
}

function scopeFindings(out: Observation, result: RuleResult | undefined, type: EventType): void {
  if (!result) {
    out.notes.push(`${type}: the evaluation has no result for its rule; open findings are kept`);
    return;
  }
  const judged = result.breakdown.filter((b) => b.status === 'pass' || b.status === 'fail');
  out.coverage.push({ type, scopes: judged.map((b) => b.scope) });
  for (const b of result.breakdown) {
    if (b.status !== 'fail') continue;
    const id = findingId(out.org, type, result.ruleId, b.scope);
    const label = b.scope === 'overall' ? 'MFA coverage overall' : `MFA coverage in ${b.scope}`;
    out.findings.push({ id, org: out.org, type, rule: result.ruleId, subject: b.scope, label, scope: b.scope, severity: DEFAULT_SEVERITY[type], detail: b.summary });
  }
}

/** shadow-ai starts each why with HIGH/MEDIUM/LOW (results have no severity field yet). */
/** shadow-ai sets a structured severity from the grant's reach; a subject without one is treated as high (fail closed). */
function subjectSeverity(s: Subject): Severity {
  return s.severity ?? 'high';
}
