import { describe, expect, it } from 'vitest';
import type { Entity } from '../src/core/model.ts';
import { isNotApplicable } from '../src/evaluate/run-rules.ts';
import { createAccessKey, createAccount, createMfa, createOutcome, createSnapshot, createSource, evaluateRule } from '../src/evaluate/test-factories.ts';
import { rootAccount } from './root-account.ts';

const aws = createSource({ connector: 'aws-iam', instance: 'aws-prod' });
const STREAMS = ['account', 'mfa', 'access_key'] as const;
const run = (entities: Entity[]) => evaluateRule(rootAccount, createSnapshot({ entities, streams: [...STREAMS] }));

/** The credential report's root row of one AWS account, as the AWS connector maps it. */
function root(accountId: string, opts: { mfa?: boolean | null; keys?: Parameters<typeof createAccessKey>[0][] } = {}): Entity[] {
  const key = `arn:aws:iam::${accountId}:root`;
  const out: Entity[] = [createAccount({ key, username: '<root_account>', vendorType: 'root', source: aws, attributes: { awsAccountId: accountId } })];
  const mfa = opts.mfa === undefined ? true : opts.mfa;
  if (mfa !== null) out.push(createMfa({ accountKey: key, source: aws, registered: mfa, methods: [], strongMethods: [], methodsKnown: false }));
  for (const [i, k] of (opts.keys ?? []).entries()) out.push(createAccessKey({ accountKey: key, keyId: `AKIAROOT${accountId}${i + 1}`, source: aws, ...k }));
  return out;
}

describe('root-account', () => {
  it('passes when every root user has MFA and no active access key', () => {
    const result = run([...root('111122223333', { keys: [{ active: false }] }), ...root('444455556666')]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.threshold).toBe(0);
    expect(result.unit).toBe('count');
    expect(result.summary).toBe('2 root users checked: each has MFA and no active access key');
    expect(result.subjects).toEqual([]);
  });

  it('fails a root user without MFA, naming the AWS account', () => {
    const result = run(root('111122223333', { mfa: false }));
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(1);
    expect(result.subjects).toEqual([
      { ref: 'arn:aws:iam::111122223333:root', label: 'AWS account 111122223333 (root user)', instance: 'aws-prod', status: 'fail', why: 'root user without MFA' },
    ]);
    expect(result.summary).toBe('1 of 1 root user without MFA or with an active access key');
  });

  it('fails a root user with an active access key, saying which key and when it was last used', () => {
    const result = run(root('111122223333', { keys: [{ lastUsedAt: '2025-02-01T10:00:00Z' }] }));
    expect(result.status).toBe('fail');
    expect(result.subjects[0]?.why).toBe('root user has an active access key (key AKIAROOT1111222233331, last used 2025-02-01, 27 days ago)');
  });

  it('gives one subject with both faults, listing every active key', () => {
    const result = run(root('111122223333', { mfa: false, keys: [{ lastUsedAt: null }, { lastUsedAt: '2025-02-28T00:00:00Z' }, { active: false }] }));
    expect(result.measured).toBe(1);
    expect(result.subjects.map((s) => s.why)).toEqual([
      'root user without MFA; root user has 2 active access keys (key AKIAROOT1111222233331, never used; key AKIAROOT1111222233332, last used 2025-02-28, 1 day ago)',
    ]);
  });

  it('fails a root user with no MFA record at all, and says so', () => {
    expect(run(root('111122223333', { mfa: null })).subjects[0]?.why).toBe('root user has no MFA registration record');
  });

  it('counts non-compliant root users across AWS accounts', () => {
    const result = run([...root('111122223333'), ...root('444455556666', { mfa: false }), ...root('777788889999', { keys: [{}] })]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(2);
    expect(result.summary).toBe('2 of 3 root users without MFA or with an active access key');
    expect(result.subjects.map((s) => s.label)).toEqual(['AWS account 444455556666 (root user)', 'AWS account 777788889999 (root user)']);
  });

  it('ignores IAM users, and a root user is judged by this rule only', () => {
    const iam = [createAccount({ username: 'deploy', source: aws, attributes: { awsAccountId: '111122223333' } }), createAccessKey({ accountKey: 'deploy', source: aws })];
    expect(run([...root('111122223333'), ...iam]).status).toBe('pass');
  });

  it('is not evaluable when keys are collected but the credential report had no root row', () => {
    const iam = createAccount({ username: 'deploy', source: aws });
    const result = run([iam, createMfa({ accountKey: 'deploy', source: aws }), createAccessKey({ accountKey: 'deploy', source: aws })]);
    expect(result.status).toBe('not_evaluable');
    expect(result.measured).toBeNull();
    expect(result.reasons).toEqual(['aws-prod: no root user row in the credential report, so the root user cannot be checked']);
    expect(result.subjects).toEqual([
      { ref: 'aws-prod', label: 'aws-prod', instance: 'aws-prod', status: 'not_evaluable', why: 'no root user row in the credential report, so the root user cannot be checked' },
    ]);
  });

  it('is not evaluable when an AWS account whose IAM users were collected has no root row', () => {
    const iam = createAccount({ username: 'deploy', source: aws, attributes: { awsAccountId: '444455556666' } });
    const result = run([...root('111122223333'), iam]);
    expect(result.status).toBe('not_evaluable');
    expect(result.subjects).toEqual([
      {
        ref: 'aws-account:444455556666',
        label: 'AWS account 444455556666',
        instance: 'aws-prod',
        status: 'not_evaluable',
        why: 'no root user row for AWS account 444455556666 in the credential report, so its root user cannot be checked',
      },
    ]);
    // A root user already failing decides the result.
    expect(run([...root('111122223333', { mfa: false }), iam]).status).toBe('fail');
  });

  it('is not applicable, not a pass, in an org without AWS', () => {
    const result = evaluateRule(rootAccount, createSnapshot({ entities: [createAccount(), createMfa()] }));
    expect(result.status).toBe('not_evaluable');
    expect(result.summary).toBe('not applicable: no AWS account is configured (no connector collects root users or access keys)');
    expect(isNotApplicable(result)).toBe(true);
  });

  it('is not evaluable when the access-key stream was throttled, with the reason', () => {
    const outcomes = [
      createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'account', stream: 'credential-report' }),
      createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'mfa', stream: 'credential-report-mfa' }),
      createOutcome({
        connector: 'aws-iam',
        instance: 'aws-prod',
        entity: 'access_key',
        stream: 'credential-report-keys',
        status: 'failed',
        failures: [{ kind: 'throttled', detail: 'GenerateCredentialReport kept answering Throttling; retry on the next run' }],
      }),
    ];
    const result = evaluateRule(rootAccount, createSnapshot({ entities: root('111122223333', { mfa: false }), outcomes }));
    expect(result.status).toBe('not_evaluable');
    expect(isNotApplicable(result)).toBe(false);
    expect(result.reasons).toEqual(['aws-prod/credential-report-keys is failed: throttled: GenerateCredentialReport kept answering Throttling; retry on the next run']);
  });

  it('judges what it can when the root instance has no MFA stream: a key fails, otherwise not evaluable', () => {
    const m365 = [createAccount(), createMfa()];
    const outcomes = (entities: Entity[]) =>
      createSnapshot({
        entities,
        outcomes: [
          createOutcome({ entity: 'account' }),
          createOutcome({ entity: 'mfa' }),
          createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'account' }),
          createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'access_key' }),
        ],
      });
    const withKey = evaluateRule(rootAccount, outcomes([...m365, ...root('111122223333', { mfa: null, keys: [{}] })]));
    expect(withKey.status).toBe('fail');
    const without = evaluateRule(rootAccount, outcomes([...m365, ...root('111122223333', { mfa: null })]));
    expect(without.status).toBe('not_evaluable');
    expect(without.reasons).toEqual(["AWS account 111122223333 (root user) in aws-prod: no MFA data is collected from aws-prod, so the root user's MFA cannot be checked"]);
  });

  it('breaks results down per instance', () => {
    const aws2 = createSource({ connector: 'aws-iam', instance: 'aws-dev' });
    const dev = root('999900001111', { mfa: false }).map((e) => ({ ...e, source: aws2 }));
    const result = run([...root('111122223333'), ...dev]);
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([
      ['overall', 'fail', 1],
      ['aws-dev', 'fail', 1],
      ['aws-prod', 'pass', 0],
    ]);
  });

  it('gives identical results for the same snapshot', () => {
    const entities = [...root('111122223333', { mfa: false, keys: [{}, {}] }), ...root('444455556666')];
    expect(run([...entities].reverse())).toEqual(run(entities));
  });
});
