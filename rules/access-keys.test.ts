import { describe, expect, it } from 'vitest';
import type { Entity } from '../src/core/model.ts';
import { isNotApplicable } from '../src/evaluate/run-rules.ts';
import { createAccessKey, createAccount, createOutcome, createSnapshot, createSource, evaluateRule, TEST_AS_OF } from '../src/evaluate/test-factories.ts';
import { accessKeys } from './access-keys.ts';

const aws = createSource({ connector: 'aws-iam', instance: 'aws-prod' });
const run = (entities: Entity[], options: Parameters<typeof evaluateRule>[2] = {}) =>
  evaluateRule(accessKeys, createSnapshot({ entities, streams: ['account', 'access_key'] }), options);

/** `n` days (plus `hours`) before the run. */
function daysAgo(n: number, hours = 0): string {
  return new Date(Date.parse(TEST_AS_OF) - (n * 24 + hours) * 3600_000).toISOString();
}

const deploy = createAccount({ key: 'AIDADEPLOY', username: 'deploy', source: aws, attributes: { awsAccountId: '111122223333' } });

/** An active key of `deploy`, issued `issued` days ago and last used `used` days ago (`null`: never). */
function key(keyId: string, issued: number | null, used: number | null, extra: Parameters<typeof createAccessKey>[0] = {}) {
  const at = issued === null ? null : daysAgo(issued);
  return createAccessKey({ keyId, accountKey: deploy.key, source: aws, createdAt: at, lastRotatedAt: at, lastUsedAt: used === null ? null : daysAgo(used), ...extra });
}

describe('access-keys', () => {
  it('passes at exactly the limits and fails one day over, in whole days', () => {
    const atLimit = run([deploy, key('AKIA1', 90, 90, { lastUsedAt: daysAgo(90, 23) })]);
    expect(atLimit.status).toBe('pass');
    expect(atLimit.measured).toBe(0);
    expect(atLimit.summary).toBe('1 active access key checked: used within 90 days and rotated within 90 days');

    const over = run([deploy, key('AKIA1', 91, 91)]);
    expect(over.status).toBe('fail');
    expect(over.subjects).toEqual([
      {
        ref: `${deploy.key}/AKIA1`,
        label: 'deploy (AWS account 111122223333), key AKIA1',
        instance: 'aws-prod',
        status: 'fail',
        why: 'last used 91 days ago (limit 90); not rotated for 91 days (limit 90)',
      },
    ]);
  });

  it('says how long a key has been unused, and how long since it was rotated, against each limit', () => {
    const result = run([deploy, key('AKIA-UNUSED', 30, 134), key('AKIA-OLD', 210, 1), key('AKIA-OK', 10, 1)]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(2);
    expect(result.threshold).toBe(0);
    expect(result.unit).toBe('count');
    expect(result.subjects.map((s) => [s.label, s.why])).toEqual([
      ['deploy (AWS account 111122223333), key AKIA-OLD', 'not rotated for 210 days (limit 90)'],
      ['deploy (AWS account 111122223333), key AKIA-UNUSED', 'last used 134 days ago (limit 90)'],
    ]);
    expect(result.summary).toBe('2 of 3 active access keys out of limits (1 unused for more than 90 days, 1 not rotated for more than 90 days)');
  });

  it('gives a never-used key a grace period of unusedDays from its creation, then fails it as never used', () => {
    expect(run([deploy, key('AKIA-NEW', 5, null)]).status).toBe('pass');
    expect(run([deploy, key('AKIA-NEW', 90, null)]).status).toBe('pass');
    const stale = run([deploy, key('AKIA-NEVER', 120, null)], { params: { rotationDays: 365 } });
    expect(stale.status).toBe('fail');
    expect(stale.subjects[0]?.why).toBe('never used in the 120 days since it was created (limit 90)');
  });

  it('uses the creation date when no rotation date is reported', () => {
    const result = run([deploy, key('AKIA1', null, 1, { createdAt: daysAgo(100) })]);
    expect(result.subjects[0]?.why).toBe('not rotated for 100 days (limit 90)');
  });

  it('ignores inactive keys, counting them in the summary', () => {
    const result = run([deploy, key('AKIA-OFF', 400, 400, { active: false }), key('AKIA-OK', 10, 1)]);
    expect(result.status).toBe('pass');
    expect(result.subjects).toEqual([]);
    expect(result.summary).toBe('1 active access key checked: used within 90 days and rotated within 90 days; 1 inactive key not checked');
  });

  it('passes with no active key at all: nothing to rotate or remove', () => {
    const result = run([deploy, key('AKIA-OFF', 400, 400, { active: false })]);
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('no active access keys; 1 inactive key not checked');
  });

  it('uses configured limits and records them', () => {
    const result = run([deploy, key('AKIA1', 40, 40)], { params: { unusedDays: 30, rotationDays: 365 } });
    expect(result.status).toBe('fail');
    expect(result.params).toEqual({ unusedDays: 30, rotationDays: 365 });
    expect(result.subjects[0]?.why).toBe('last used 40 days ago (limit 30)');
  });

  it('rejects a limit that is not a positive whole number of days', () => {
    expect(() => run([deploy], { params: { unusedDays: 0 } })).toThrow(/rules\.access-keys\.unusedDays/);
    expect(() => run([deploy], { params: { rotationDays: 'ninety' } })).toThrow(/rules\.access-keys\.rotationDays/);
    expect(() => run([deploy], { params: { unusedDay: 30 } })).toThrow(/unknown key "unusedDay"/);
  });

  it('reports root keys too, labelled by their AWS account', () => {
    const rootUser = createAccount({ key: 'arn:aws:iam::111122223333:root', username: '<root_account>', vendorType: 'root', source: aws, attributes: { awsAccountId: '111122223333' } });
    const rootKey = createAccessKey({ keyId: 'AKIAROOT', accountKey: rootUser.key, source: aws, createdAt: daysAgo(400), lastRotatedAt: daysAgo(400), lastUsedAt: daysAgo(2) });
    const result = run([rootUser, rootKey]);
    expect(result.subjects.map((s) => [s.label, s.why])).toEqual([['AWS account 111122223333 (root user), key AKIAROOT', 'not rotated for 400 days (limit 90)']]);
  });

  it('labels a key whose account was not collected by its account key', () => {
    const result = run([key('AKIA1', 200, 1, { accountKey: 'AIDAGHOST' })]);
    expect(result.subjects[0]?.label).toBe('AIDAGHOST, key AKIA1');
  });

  it('is not evaluable when a key age is not reported, unless another key already fails', () => {
    const unknown = key('AKIA-X', null, 1, { createdAt: null });
    const result = run([deploy, unknown, key('AKIA-OK', 10, 1)]);
    expect(result.status).toBe('not_evaluable');
    expect(result.measured).toBeNull();
    expect(result.reasons).toEqual([
      'deploy (AWS account 111122223333), key AKIA-X in aws-prod: the vendor does not report when this key was created or last rotated, so its age cannot be checked',
    ]);
    expect(result.summary).toBe('1 active access key checked: used within 90 days and rotated within 90 days; 1 active key not checked (creation date not reported)');
    expect(run([deploy, unknown, key('AKIA-OLD', 200, 1)]).status).toBe('fail');
  });

  it('is not evaluable when the access-key stream was throttled, with the reason', () => {
    const outcomes = [
      createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'account' }),
      createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'access_key', status: 'failed', failures: [{ kind: 'throttled', detail: 'IAM answered Throttling; retry on the next run' }] }),
    ];
    const result = evaluateRule(accessKeys, createSnapshot({ entities: [deploy, key('AKIA1', 200, 200)], outcomes }));
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['aws-prod/access_key is failed: throttled: IAM answered Throttling; retry on the next run']);
    expect(isNotApplicable(result)).toBe(false);
  });

  it('is not applicable, not a pass, when no connector collects access keys', () => {
    const result = evaluateRule(accessKeys, createSnapshot({ entities: [createAccount()] }));
    expect(result.status).toBe('not_evaluable');
    expect(result.summary).toBe('not applicable: no AWS account is configured (no connector collects access keys)');
    expect(isNotApplicable(result)).toBe(true);
  });

  it('breaks results down per instance, including an instance with no keys', () => {
    const outcomes = ['aws-dev', 'aws-prod'].map((instance) => createOutcome({ connector: 'aws-iam', instance, entity: 'access_key' }));
    const result = evaluateRule(accessKeys, createSnapshot({ entities: [deploy, key('AKIA1', 200, 1)], outcomes }));
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured, b.summary])).toEqual([
      ['overall', 'fail', 1, '1 of 1 active access key out of limits (1 not rotated for more than 90 days)'],
      ['aws-dev', 'pass', 0, 'no active access keys'],
      ['aws-prod', 'fail', 1, '1 of 1 active access key out of limits (1 not rotated for more than 90 days)'],
    ]);
  });

  it('gives identical results for the same snapshot, whatever the entity order', () => {
    const entities = [deploy, key('AKIA-A', 200, 150), key('AKIA-B', 10, null), key('AKIA-C', 100, null), key('AKIA-D', null, 1, { createdAt: null })];
    expect(run([...entities].reverse())).toEqual(run(entities));
  });
});
