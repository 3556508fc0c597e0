import { describe, expect, it } from 'vitest';
import type { Account } from '../core/model.ts';
import { createAccount, createPerson, createSnapshot, createSource, evaluateRule, TEST_AS_OF } from '../evaluate/test-factories.ts';
import { leaverAccess } from '../../rules/leaver-access.ts';
import { alertsConfig } from './alert-config.ts';
import type { StoredFinding } from './alert-store.ts';
import { planTransitions } from './plan-transitions.ts';
import { ruleFindings } from './rule-findings.ts';

/** The real leaver-access rule, run as an evaluation would, feeding findings: the two agree on subjects and scopes. */
const google = createSource({ connector: 'google-workspace', instance: 'google-main' });
const hoursAgo = (n: number) => new Date(Date.parse(TEST_AS_OF) - n * 3_600_000).toISOString();
const ann = (extra: Partial<Account> = {}) => createAccount({ key: '1001', username: 'ann@contoso.com', source: google, ...extra });
const left = (hours: number) => createPerson({ status: 'terminated', leaveDate: hoursAgo(hours) });
const config = alertsConfig.parse({ channels: [{ name: 'x', type: 'slack', webhookUrl: { env: 'X' } }] });

function findingsOf(entities: NonNullable<Parameters<typeof createSnapshot>[0]>['entities'], runId: number) {
  return ruleFindings('contoso', runId, [evaluateRule(leaverAccess, createSnapshot({ entities }))]);
}

describe('leaver-access findings from the real rule', () => {
  it('opens a high finding for an account still enabled past the limit, none while pending, and resolves it once disabled', () => {
    const pending = findingsOf([left(10), ann()], 1);
    expect(pending.findings).toEqual([]);

    const overdue = findingsOf([left(30), ann()], 2);
    expect(overdue.findings).toHaveLength(1);
    expect(overdue.findings[0]).toMatchObject({ type: 'leaver_access', subject: 'google-main/1001', label: 'ann@contoso.com', severity: 'high', scope: 'google-main' });
    expect(overdue.findings[0]!.detail).toContain('left 30 h ago');
    let state: StoredFinding[] = planTransitions([], overdue, config, new Date(TEST_AS_OF)).findings;
    expect(state[0]!.state).toBe('open');

    // The same problem six hours later: same identity, no new alert.
    const later = planTransitions(state, findingsOf([left(36), ann()], 3), config, new Date(Date.parse(TEST_AS_OF) + 6 * 3_600_000));
    expect(later.events).toEqual([]);
    state = later.findings;

    const fixed = planTransitions(state, findingsOf([left(40), ann({ enabled: false })], 4), config, new Date(Date.parse(TEST_AS_OF) + 10 * 3_600_000));
    expect(fixed.events.map((e) => e.kind)).toEqual(['resolved']);
  });
});
