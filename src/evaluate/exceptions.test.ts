import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ExceptionConfig } from '../core/config.ts';
import { ConfigError } from '../core/errors.ts';
import type { Entity, EntityKind } from '../core/model.ts';
import type { Rule, RuleVerdict } from '../core/rule.ts';
import { mfaCoverage } from '../../rules/mfa-coverage.ts';
import { GLOBAL_ADMIN_TEMPLATE, privilegedCount } from '../../rules/privileged-count.ts';
import { staleAccounts } from '../../rules/stale-accounts.ts';
import { buildSnapshotView } from './build-view.ts';
import { isInForce } from './exceptions.ts';
import { evaluateRules } from './run-rules.ts';
import { createAccount, createMfa, createOutcome, createRoleAssignment, createSnapshot, createSource, TEST_AS_OF } from './test-factories.ts';

function daysAgo(n: number): string {
  return new Date(Date.parse(TEST_AS_OF) - n * 86_400_000).toISOString();
}

function exception(partial: Partial<ExceptionConfig> = {}): ExceptionConfig {
  return { rule: 'stale-accounts', subject: 'ann@contoso.com', reason: 'on sabbatical until April', approvedBy: 'CISO', expires: '2025-03-31', ...partial };
}

/** Accounts of m365-main last signed in `days` ago. */
function accounts(spec: Record<string, number>): Entity[] {
  return Object.entries(spec).map(([name, days]) =>
    createAccount({ key: `id-${name}`, username: `${name}@contoso.com`, signIn: { lastSuccessfulAt: daysAgo(days), lastInteractiveAt: null, lastNonInteractiveAt: null } }),
  );
}

function evaluate(rule: Rule, entities: Entity[], exceptions: ExceptionConfig[], streams: EntityKind[] = ['account']) {
  const view = buildSnapshotView(createSnapshot({ entities, streams }));
  return evaluateRules(view, [rule], { exceptions }).results[0]!;
}

describe('isInForce', () => {
  it('applies through the expiry day (UTC) of the run, and not a day later', () => {
    expect(isInForce('2025-03-01', new Date('2025-03-01T00:00:00Z'))).toBe(true);
    expect(isInForce('2025-03-01', new Date('2025-03-01T23:59:59Z'))).toBe(true);
    expect(isInForce('2025-02-28', new Date('2025-03-01T00:00:00Z'))).toBe(false);
    // The UTC day decides, whatever the local time zone of the machine.
    expect(isInForce('2025-02-28', new Date('2025-03-01T00:30:00+01:00'))).toBe(true);
  });
});

describe('exceptions in the engine', () => {
  it('flips a count rule to pass when exceptions in force cover every failing subject', () => {
    const result = evaluate(staleAccounts, accounts({ ann: 120, 'svc-old': 200, cy: 3 }), [exception(), exception({ subject: 'SVC-*', reason: 'decommissioning', expires: '2025-03-01' })]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.subjects).toEqual([
      {
        ref: 'id-ann',
        label: 'ann@contoso.com',
        instance: 'm365-main',
        status: 'excepted',
        why: 'last successful sign-in 120 days ago (2024-11-01), limit 90 — accepted until 2025-03-31 by CISO: on sabbatical until April',
      },
      expect.objectContaining({ label: 'svc-old@contoso.com', status: 'excepted', why: expect.stringMatching(/— accepted until 2025-03-01 by CISO: decommissioning$/) }),
    ]);
    expect(result.summary).toBe(
      "2 of 3 enabled human and service accounts without a successful sign-in for more than 90 days (never used: 30 days' grace from creation); 2 failing subjects covered by exceptions in force, 0 still failing",
    );
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([
      ['overall', 'pass', 0],
      ['m365-main', 'pass', 0],
    ]);
    expect(result.exceptions).toEqual([
      { rule: 'stale-accounts', subject: 'ann@contoso.com', reason: 'on sabbatical until April', approvedBy: 'CISO', expires: '2025-03-31', status: 'in_force', matched: 1 },
      { rule: 'stale-accounts', subject: 'SVC-*', reason: 'decommissioning', approvedBy: 'CISO', expires: '2025-03-01', status: 'in_force', matched: 1 },
    ]);
  });

  it('keeps a count rule failing, recounted, while any failure is not covered', () => {
    const result = evaluate(staleAccounts, accounts({ ann: 120, bob: 200 }), [exception()]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(1);
    expect(result.subjects.map((s) => s.status)).toEqual(['excepted', 'fail']);
  });

  it('stops applying an expired exception by itself, and lists it as expired', () => {
    const result = evaluate(staleAccounts, accounts({ ann: 120 }), [exception({ expires: '2025-02-28' })]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(1);
    expect(result.subjects[0]?.status).toBe('fail');
    expect(result.exceptions).toEqual([expect.objectContaining({ subject: 'ann@contoso.com', expires: '2025-02-28', status: 'expired', matched: 0 })]);
  });

  it('matches the label or the ref, case-insensitively, with * wildcards', () => {
    const covered = (subject: string) => evaluate(staleAccounts, accounts({ ann: 120 }), [exception({ subject })]).status;
    expect(covered('ANN@Contoso.com')).toBe('pass');
    expect(covered('id-ann')).toBe('pass');
    expect(covered('*@contoso.com')).toBe('pass');
    expect(covered('an*')).toBe('pass');
    expect(covered('ann')).toBe('fail');
    expect(covered('bob@contoso.com')).toBe('fail');
  });

  it('never turns a result into pass while a subject could not be judged', () => {
    const nodate = createAccount({ key: 'id-new', username: 'new@contoso.com', createdAt: null, signIn: { lastSuccessfulAt: null, lastInteractiveAt: null, lastNonInteractiveAt: null } });
    const result = evaluate(staleAccounts, [...accounts({ ann: 120 }), nodate], [exception(), exception({ subject: 'new@contoso.com' })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.measured).toBeNull();
    expect(result.reasons).toEqual(['new@contoso.com in m365-main: never signed in, and its creation date is not reported, so the 30-day grace cannot be checked']);
    // Only failures are accepted: the unjudged subject stays as it was.
    expect(result.subjects.map((s) => s.status)).toEqual(['excepted', 'not_evaluable']);
    expect(result.exceptions.map((e) => e.matched)).toEqual([1, 0]);
  });

  it('marks the subjects of a ratio rule but leaves its status and ratio, saying so', () => {
    const entities = ['ann', 'bob', 'cy'].flatMap((n, i) => [
      createAccount({ username: `${n}@contoso.com` }),
      createMfa({ accountKey: `${n}@contoso.com`, registered: i > 0, methods: i > 0 ? ['fido2'] : [] }),
    ]);
    const result = evaluate(mfaCoverage, entities, [exception({ rule: 'mfa-coverage', reason: 'hardware key on order' })], ['account', 'mfa']);
    expect(result.status).toBe('fail');
    expect(result.measured).toBeCloseTo(2 / 3);
    expect(result.subjects).toEqual([expect.objectContaining({ label: 'ann@contoso.com', status: 'excepted', why: 'no MFA method registered — accepted until 2025-03-31 by CISO: hardware key on order' })]);
    expect(result.summary).toMatch(/; 1 failing subject covered by exceptions in force; the ratio and the status are unchanged \(a ratio cannot be recomputed from its failing subjects\)$/);
  });

  it('re-derives a per-system rule when its failing system is excepted, keeping its count', () => {
    const entities = ['a', 'b', 'c', 'd', 'e'].flatMap((n) => [
      createAccount({ username: `${n}@contoso.com` }),
      createRoleAssignment({ principalKey: `${n}@contoso.com`, roleId: GLOBAL_ADMIN_TEMPLATE }),
    ]);
    const result = evaluate(privilegedCount, entities, [exception({ rule: 'privileged-count', subject: 'm365-main', reason: 'merger: two admin teams until consolidation' })], ['account', 'role_assignment']);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(5);
    expect(result.subjects[0]).toMatchObject({ ref: 'm365-main', status: 'excepted' });
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([
      ['overall', 'pass', 5],
      ['m365-main', 'pass', 5],
    ]);
  });

  it('keeps a per-system rule not evaluable when another system could not be counted', () => {
    const okta = createSource({ connector: 'okta', instance: 'okta-main' });
    const entities = [
      ...['a', 'b', 'c', 'd', 'e'].flatMap((n) => [createAccount({ username: `${n}@contoso.com` }), createRoleAssignment({ principalKey: `${n}@contoso.com`, roleId: GLOBAL_ADMIN_TEMPLATE })]),
      createAccount({ source: okta }),
      createRoleAssignment({ source: okta }),
    ];
    const result = evaluate(privilegedCount, entities, [exception({ rule: 'privileged-count', subject: 'Global Administrator' })], ['account', 'role_assignment']);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual([expect.stringMatching(/^okta-main: no top-level admin role is known/)]);
  });

  it('lists only the rule’s own exceptions, also on a result the engine could not evaluate', () => {
    const view = buildSnapshotView(createSnapshot({ entities: accounts({ ann: 120 }), outcomes: [createOutcome({ entity: 'account', status: 'failed', failures: [{ kind: 'denied', detail: 'no access' }] })] }));
    const { results } = evaluateRules(view, [staleAccounts, mfaCoverage], { exceptions: [exception(), exception({ rule: 'mfa-coverage' })] });
    expect(results[0]!.status).toBe('not_evaluable');
    expect(results[0]!.exceptions).toEqual([expect.objectContaining({ rule: 'stale-accounts', status: 'in_force', matched: 0 })]);
    expect(results[1]!.exceptions).toEqual([expect.objectContaining({ rule: 'mfa-coverage' })]);
  });

  it('gives each subject to the first matching exception in config order', () => {
    const result = evaluate(staleAccounts, accounts({ ann: 120 }), [exception({ subject: '*', reason: 'first' }), exception({ reason: 'second' })]);
    expect(result.exceptions.map((e) => e.matched)).toEqual([1, 0]);
    expect(result.subjects[0]?.why).toMatch(/: first$/);
  });

  it('leaves the status of a count rule whose count is not its failing subjects', () => {
    const verdict: RuleVerdict = {
      status: 'fail',
      summary: '7 things wrong',
      measured: 7,
      threshold: 0,
      unit: 'count',
      breakdown: [],
      subjects: [{ ref: 'x', label: 'x', instance: 'm365-main', status: 'fail', why: 'broken' }],
    };
    const rule: Rule = { id: 'odd', title: 'Odd', description: 'test', controls: ['SOC2/CC6.1'], requires: [{ entity: 'account' }], paramsSchema: z.object({}), evaluate: () => verdict };
    const result = evaluate(rule, accounts({ ann: 1 }), [exception({ rule: 'odd', subject: 'x' })]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(7);
    expect(result.summary).toBe("7 things wrong; 1 failing subject covered by exceptions in force; the status is unchanged (the rule's count is not the number of its failing subjects)");
  });

  it('rejects an exception naming a rule that does not exist, with its key path', () => {
    const view = buildSnapshotView(createSnapshot({ entities: accounts({ ann: 1 }) }));
    const call = () => evaluateRules(view, [staleAccounts], { exceptions: [exception(), exception({ rule: 'stale-acounts' })] }, { exceptions: 'organisations[1].exceptions' });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/^organisations\[1\]\.exceptions\[1\]\.rule: no rule has the id "stale-acounts"; known rules: stale-accounts$/);
  });

  it('refuses a verdict that marks its own subjects excepted', () => {
    const rule: Rule = {
      id: 'sneaky',
      title: 'Sneaky',
      description: 'test',
      controls: ['SOC2/CC6.1'],
      requires: [{ entity: 'account' }],
      paramsSchema: z.object({}),
      evaluate: () => ({ status: 'pass', summary: 'fine', measured: 0, threshold: 0, unit: 'count', breakdown: [], subjects: [{ ref: 'x', label: 'x', instance: 'i', status: 'excepted', why: 'trust me' }] }),
    };
    const result = evaluate(rule, accounts({ ann: 1 }), []);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons[0]).toMatch(/only configured exceptions may/);
  });

  it('gives identical results on re-evaluation', () => {
    const entities = accounts({ ann: 120, bob: 200, cy: 3 });
    const list = [exception(), exception({ subject: 'b*', expires: '2025-01-01' })];
    expect(evaluate(staleAccounts, [...entities].reverse(), list)).toEqual(evaluate(staleAccounts, entities, list));
  });
});
