import { describe, expect, it } from 'vitest';
import type { Entity } from '../src/core/model.ts';
import { createAccount, createMfa, createOutcome, createSnapshot, createSource, evaluateRule } from '../src/evaluate/test-factories.ts';
import { mfaCoverage } from './mfa-coverage.ts';

/** `total` enabled human accounts in one instance, the first `withMfa` of them with MFA registered. */
function humans(total: number, withMfa: number, instance = 'm365-main'): Entity[] {
  const source = createSource({ instance, connector: instance.startsWith('gws') ? 'google-workspace' : 'm365' });
  return Array.from({ length: total }, (_, i) => {
    const username = `user${String(i).padStart(3, '0')}@${instance}.example`;
    return [createAccount({ username, source }), createMfa({ accountKey: username, source, registered: i < withMfa, methods: i < withMfa ? ['fido2'] : [] })];
  }).flat();
}

const run = (entities: Entity[], options: Parameters<typeof evaluateRule>[2] = {}) => evaluateRule(mfaCoverage, createSnapshot({ entities, streams: ['account', 'mfa'] }), options);

describe('mfa-coverage', () => {
  it('passes at exactly the threshold and fails one account below it', () => {
    const at = run(humans(20, 19));
    expect(at.status).toBe('pass');
    expect(at.measured).toBe(0.95);
    expect(at.summary).toBe('95.0% of 20 enabled human accounts have MFA registered (threshold 95%)');
    expect(run(humans(60, 57)).status).toBe('pass');
    expect(run(humans(100, 95)).status).toBe('pass');

    const below = run(humans(20, 18));
    expect(below.status).toBe('fail');
    expect(below.measured).toBe(0.9);
    expect(below.subjects.filter((s) => s.status === 'fail')).toHaveLength(2);
  });

  it('shows the share with one decimal against the threshold', () => {
    const result = run(humans(48, 42));
    expect(result.summary).toBe('87.5% of 48 enabled human accounts have MFA registered (threshold 95%)');
    expect(result.threshold).toBe(0.95);
    expect(result.unit).toBe('ratio');
  });

  it('uses a configured threshold and records it', () => {
    const result = run(humans(10, 8), { params: { threshold: 0.8 } });
    expect(result.status).toBe('pass');
    expect(result.params).toEqual({ threshold: 0.8 });
    expect(result.summary).toContain('(threshold 80%)');
  });

  it('breaks the share down per instance, and fails when one instance is below the threshold', () => {
    const result = run([...humans(40, 40), ...humans(4, 2, 'gws-main')]);
    expect(result.measured).toBeCloseTo(42 / 44);
    expect(result.status).toBe('fail'); // overall 95.4% would pass; gws-main at 50% must not hide
    expect(result.summary).toContain('below threshold in gws-main (50.0% of 4)');
    expect(result.breakdown).toEqual([
      // The overall row says why it fails although its own share is above the threshold.
      { scope: 'overall', status: 'fail', measured: 42 / 44, summary: '95.4% of 44 enabled human accounts have MFA registered (threshold 95%); below threshold in gws-main (50.0% of 4)' },
      { scope: 'gws-main', status: 'fail', measured: 0.5, summary: '50.0% of 4 enabled human accounts have MFA registered (threshold 95%)' },
      { scope: 'm365-main', status: 'pass', measured: 1, summary: '100.0% of 40 enabled human accounts have MFA registered (threshold 95%)' },
    ]);
    expect(result.subjects.map((s) => s.instance)).toEqual(['gws-main', 'gws-main']);
  });

  it('fails naming the one system below the threshold among three, while overall is above it', () => {
    const aws = createSource({ instance: 'aws-prod', connector: 'aws-iam' });
    const entities: Entity[] = [
      ...humans(60, 60),
      ...humans(40, 40, 'gws-main'),
      ...humans(4, 3, 'aws-prod').map((e) => ({ ...e, source: aws })),
      // Neither counts as a person: an IAM workload user and the account's root user.
      createAccount({ username: 'ci-deploy', vendorType: 'service', source: aws }),
      createAccount({ username: '<root_account>', key: 'root', vendorType: 'root', source: aws, attributes: { awsAccountId: '111122223333' } }),
    ];
    const result = run(entities);
    expect(result.measured).toBeCloseTo(103 / 104); // 99.0% overall
    expect(result.status).toBe('fail');
    expect(result.summary).toBe(
      '99.0% of 104 enabled human accounts have MFA registered (threshold 95%); below threshold in aws-prod (75.0% of 4); excluded 2 accounts (1 service, 1 root user)',
    );
    expect(result.breakdown.map((b) => [b.scope, b.status, b.summary])).toEqual([
      ['overall', 'fail', result.summary],
      ['aws-prod', 'fail', '75.0% of 4 enabled human accounts have MFA registered (threshold 95%); excluded 2 accounts (1 service, 1 root user)'],
      ['gws-main', 'pass', '100.0% of 40 enabled human accounts have MFA registered (threshold 95%)'],
      ['m365-main', 'pass', '100.0% of 60 enabled human accounts have MFA registered (threshold 95%)'],
    ]);
    expect(result.subjects.map((s) => [s.label, s.status, s.why])).toEqual([
      ['ci-deploy', 'excluded', 'not counted: aws-prod marks it as a service or workload account'],
      ['AWS account 111122223333 (root user)', 'excluded', 'not counted: root user of AWS account 111122223333; judged by the root-account rule, not by MFA coverage'],
      ['user003@aws-prod.example', 'fail', 'no MFA method registered'],
    ]);
  });

  it('passes with two instances both at or above the threshold', () => {
    const result = run([...humans(20, 19), ...humans(10, 10, 'gws-main')]);
    expect(result.status).toBe('pass');
    expect(result.breakdown.map((b) => [b.scope, b.status])).toEqual([['overall', 'pass'], ['gws-main', 'pass'], ['m365-main', 'pass']]);
  });

  it('excludes every non-human class, naming why, and counts only humans', () => {
    const entities: Entity[] = [
      ...humans(2, 2),
      createAccount({ username: 'guest@partner.io', vendorType: 'guest' }),
      createAccount({ username: 'svc-backup@contoso.com' }),
      createAccount({ username: 'daemon@contoso.com', vendorType: 'service' }),
      createAccount({ username: 'info@contoso.com' }),
      createAccount({ username: 'bg-01@contoso.com' }),
      createAccount({ username: 'left@contoso.com', enabled: false }),
      createAccount({ username: 'starter@contoso.com', hireDate: '2025-04-01T00:00:00Z' }),
    ];
    const accounts = { breakGlass: ['bg-*@contoso.com'], service: ['svc-*@contoso.com'], sharedMailbox: ['info@contoso.com'] };
    const result = run(entities, { accounts });
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(1);
    expect(result.summary).toBe(
      '100.0% of 2 enabled human accounts have MFA registered (threshold 95%); excluded 7 accounts (1 guest, 2 service, 1 shared mailbox, 1 break-glass, 1 disabled, 1 future hire)',
    );
    const why = Object.fromEntries(result.subjects.map((s) => [s.label, `${s.status}: ${s.why}`]));
    expect(why).toEqual({
      'guest@partner.io': 'excluded: not counted: guest (external) account in m365-main',
      'svc-backup@contoso.com': 'excluded: not counted: configured service account (matches "svc-*@contoso.com")',
      'daemon@contoso.com': 'excluded: not counted: m365-main marks it as a service or workload account',
      'info@contoso.com': 'excluded: not counted: configured shared mailbox (matches "info@contoso.com")',
      'bg-01@contoso.com': 'excluded: not counted: configured break-glass (emergency access) account (matches "bg-*@contoso.com")',
      'left@contoso.com': 'excluded: not counted: disabled in m365-main; a disabled account cannot sign in',
      'starter@contoso.com': 'excluded: not counted: future hire: starts 2025-04-01, after this run (2025-03-01)',
    });
  });

  it('counts an account with no MFA record as not registered, and says so', () => {
    const alice = createAccount({ username: 'alice@contoso.com' });
    const bob = createAccount({ username: 'bob@contoso.com' });
    const carol = createAccount({ username: 'carol@contoso.com' });
    const result = run([alice, bob, carol, createMfa({ accountKey: alice.key }), createMfa({ accountKey: bob.key, registered: false, methods: [], strongMethods: [] })]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBeCloseTo(1 / 3);
    expect(result.subjects).toEqual([
      { ref: 'bob@contoso.com', label: 'bob@contoso.com', instance: 'm365-main', status: 'fail', why: 'no MFA method registered' },
      { ref: 'carol@contoso.com', label: 'carol@contoso.com', instance: 'm365-main', status: 'fail', why: 'no MFA registration record for this account' },
    ]);
  });

  it('does not match an MFA record from another instance with the same key', () => {
    const alice = createAccount({ username: 'alice@contoso.com' });
    const result = run([alice, createMfa({ accountKey: alice.key, instance: 'm365-eu' })]);
    expect(result.status).toBe('fail');
    expect(result.subjects[0]?.why).toBe('no MFA registration record for this account');
  });

  it('is not blocked by an account stream that only lacks sign-in data', () => {
    const entities = humans(5, 5);
    const outcomes = [
      createOutcome({ entity: 'account', status: 'partial', failures: [{ kind: 'unlicensed', detail: 'sign-in activity needs Entra ID P1', field: 'signIn', needs: 'Entra ID P1' }] }),
      createOutcome({ entity: 'mfa' }),
    ];
    expect(evaluateRule(mfaCoverage, createSnapshot({ entities, outcomes })).status).toBe('pass');
  });

  it('is not evaluable when the MFA stream failed, with the reason', () => {
    const outcomes = [createOutcome({ entity: 'account' }), createOutcome({ entity: 'mfa', status: 'failed', failures: [{ kind: 'throttled', detail: 'Graph kept answering 429; retry on the next run' }] })];
    const result = evaluateRule(mfaCoverage, createSnapshot({ entities: humans(5, 5), outcomes }));
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['m365-main/mfa is failed: throttled: Graph kept answering 429; retry on the next run']);
  });

  it('is not evaluable when MFA data needs a licence the tenant lacks, naming it', () => {
    const outcomes = [
      createOutcome({ entity: 'account' }),
      createOutcome({ entity: 'mfa', stream: 'registration-details', status: 'failed', failures: [{ kind: 'unlicensed', detail: 'authentication method reports need a premium licence', needs: 'Entra ID P1' }] }),
    ];
    const result = evaluateRule(mfaCoverage, createSnapshot({ entities: humans(5, 5), outcomes }));
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons[0]).toContain('unlicensed');
    expect(result.reasons[0]).toContain('(needs Entra ID P1)');
  });

  it('is not evaluable, not a vacuous pass, when there are no enabled human accounts', () => {
    const result = run([createAccount({ username: 'svc@contoso.com', vendorType: 'service' }), createAccount({ username: 'old@contoso.com', enabled: false })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['no enabled human accounts to measure']);
    expect(result.summary).toBe('no enabled human accounts to measure; excluded 2 accounts (1 service, 1 disabled)');
  });

  it('is not evaluable when an instance with human accounts has no MFA stream at all', () => {
    const gws = createSource({ instance: 'gws-main', connector: 'google-workspace' });
    const entities = [...humans(5, 5), createAccount({ username: 'x@gws.example', source: gws })];
    const result = evaluateRule(mfaCoverage, createSnapshot({ entities }));
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['gws-main has 1 enabled human account but no MFA data is collected from it']);
    expect(result.breakdown.find((b) => b.scope === 'gws-main')?.summary).toBe('no MFA data is collected from this instance; 1 enabled human account not measured');
  });

  it('gives identical results for the same snapshot, whatever the entity order', () => {
    const entities = [...humans(7, 5), ...humans(3, 1, 'gws-main'), createAccount({ username: 'g@x.io', vendorType: 'guest' })];
    const a = run(entities);
    const b = run([...entities].reverse());
    expect(b).toEqual(a);
    expect(run(entities)).toEqual(a);
  });
});

describe('mfa-coverage with accounts whose MFA the source cannot see', () => {
  it('lists them as not evaluable and never passes on the rest', () => {
    const iam = createAccount({ key: 'iam-1', username: 'ann', instance: 'aws' });
    const idc = createAccount({ key: 'idc-1', username: 'bob@contoso.com', instance: 'aws', attributes: { mfaReported: false } });
    const snapshot = createSnapshot({
      entities: [iam, idc, createMfa({ key: 'iam-1', accountKey: 'iam-1', registered: true, instance: 'aws' })],
      outcomes: [createOutcome({ entity: 'account', instance: 'aws' }), createOutcome({ entity: 'mfa', instance: 'aws' })],
    });
    const r = evaluateRule(mfaCoverage, snapshot);
    expect(r.status).toBe('not_evaluable');
    expect(r.reasons.join(' ')).toMatch(/does not report MFA for 1 account/);
    expect(r.subjects.find((s) => s.ref === 'idc-1')?.status).toBe('not_evaluable');
  });
});
