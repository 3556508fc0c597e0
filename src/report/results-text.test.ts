import { describe, expect, it } from 'vitest';
import { ruleResult } from '../core/rule.ts';
import type { RuleResult } from '../core/rule.ts';
import { renderResults } from './results-text.ts';

function result(partial: Partial<RuleResult>): RuleResult {
  return ruleResult.parse({
    ruleId: 'stale-accounts',
    title: 'No dormant human or service accounts',
    controls: ['ISO27001:2022/A.5.16'],
    status: 'pass',
    summary: 'all fine',
    measured: 0,
    threshold: 0,
    unit: 'count',
    reasons: [],
    breakdown: [],
    subjects: [],
    evidence: ['a'.repeat(64)],
    params: {},
    ...partial,
  });
}

const excepted = { ref: 'id-ann', label: 'ann@contoso.com', instance: 'm365-main', status: 'excepted' as const, why: 'last successful sign-in 120 days ago — accepted until 2025-03-31 by CISO: sabbatical' };
const inForce = { rule: 'stale-accounts', subject: 'ann@contoso.com', reason: 'sabbatical', approvedBy: 'CISO', expires: '2025-03-31', status: 'in_force' as const, matched: 1 };
const expired = { rule: 'stale-accounts', subject: 'svc-*', reason: 'migration', approvedBy: 'CTO', expires: '2025-01-31', status: 'expired' as const, matched: 0 };

describe('renderResults', () => {
  it('shows excepted subjects with their own mark and every exception, in force or expired, even on a pass', () => {
    const text = renderResults([result({ subjects: [excepted], exceptions: [inForce, expired] })]);
    expect(text).toContain(
      [
        'PASS  stale-accounts — No dormant human or service accounts',
        '  ~ ann@contoso.com (m365-main): last successful sign-in 120 days ago — accepted until 2025-03-31 by CISO: sabbatical',
        '  exception in force until 2025-03-31: "ann@contoso.com" — sabbatical (approved by CISO); covers 1 failing subject',
        '  exception expired on 2025-01-31, no longer applied: "svc-*" — migration (approved by CTO)',
      ].join('\n'),
    );
  });

  it('lists failures before what could not be judged, and accepted ones last', () => {
    const text = renderResults([
      result({
        status: 'fail',
        subjects: [excepted, { ref: 'b', label: 'bob', instance: 'm365-main', status: 'fail', why: 'stale' }, { ref: 'c', label: 'cy', instance: 'm365-main', status: 'not_evaluable', why: 'no data' }],
        exceptions: [inForce],
      }),
    ]);
    const marks = text.split('\n').filter((l) => /^ {2}[✗?~] /.test(l)).map((l) => l.trim()[0]);
    expect(marks).toEqual(['✗', '?', '~']);
  });

  it('shows pending subjects on a pass, marked as pending, after failures and before accepted ones', () => {
    const pending = { ref: 'g1', label: 'ann@contoso.com', instance: 'google-main', status: 'pending' as const, why: 'left 10 h ago, 14 h left of the 24 h limit; account still enabled' };
    const text = renderResults([result({ ruleId: 'leaver-access', title: 'Access removed promptly when people leave', subjects: [pending] })]);
    expect(text).toContain('PASS  leaver-access — Access removed promptly when people leave\n  … ann@contoso.com (google-main): pending: left 10 h ago, 14 h left of the 24 h limit; account still enabled');
    const mixed = renderResults([result({ status: 'fail', subjects: [excepted, pending, { ref: 'b', label: 'bob', instance: 'm365-main', status: 'fail', why: 'stale' }], exceptions: [inForce] })]);
    expect(mixed.split('\n').filter((l) => /^ {2}[✗?~…] /.test(l)).map((l) => l.trim()[0])).toEqual(['✗', '…', '~']);
  });

  it("shows a subject's severity when the rule grades it, and nothing when it does not", () => {
    const text = renderResults([
      result({
        ruleId: 'shadow-ai',
        status: 'fail',
        subjects: [
          { ref: 'ai-app:chatgpt', label: 'ChatGPT (OpenAI)', instance: 'm365-main', status: 'fail', why: 'granted Mail.Read without approval', severity: 'high' },
          { ref: 'b', label: 'bob', instance: 'm365-main', status: 'fail', why: 'stale' },
        ],
      }),
    ]);
    expect(text).toContain('  ✗ [high] ChatGPT (OpenAI) (m365-main): granted Mail.Read without approval');
    expect(text).toContain('  ✗ bob (m365-main): stale');
  });

  it('reads subjects stored before pending and severity existed', () => {
    const old = { ruleId: 'x', title: 't', controls: [], status: 'fail', summary: 's', measured: 1, threshold: 0, unit: 'count', reasons: [], breakdown: [], evidence: [], params: {}, subjects: [{ ref: 'r', label: 'l', instance: 'i', status: 'excluded', why: 'pending: left 3 h ago, limit 24 h' }] };
    const parsed = ruleResult.parse(old);
    expect(parsed.subjects[0]).toEqual({ ref: 'r', label: 'l', instance: 'i', status: 'excluded', why: 'pending: left 3 h ago, limit 24 h' });
  });

  it('leaves out a passing rule with nothing to show', () => {
    expect(renderResults([result({})])).not.toContain('PASS  stale-accounts');
  });
});
