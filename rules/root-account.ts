import { z } from 'zod';
import type { AccessKey, Account } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { ageInDays, isoDay } from './age-in-days.ts';
import { awsAccountIdOf, rootLabel } from './cloud-account.ts';
import { createMfaLookup, instancesWithMfaData } from './mfa-lookup.ts';
import { join, plural } from './measure.ts';

/** No parameters: a root user with a key or without MFA is never acceptable (controls.md: "—"). */
export const rootAccountParams = z.object({}).strict();
export type RootAccountParams = z.infer<typeof rootAccountParams>;

/**
 * Every cloud account's root user (account class `root`) has MFA registered and no active access key.
 *
 * Decisions:
 * - `registered` is enough for MFA: AWS offers root only app-based, hardware or FIDO factors, and
 *   its credential report says only whether one is active (`methodsKnown: false`).
 * - A root user with no MFA record, while its instance's MFA stream is usable, fails and says so:
 *   a missing record is never read as "has MFA" (as in mfa-coverage and admin-mfa).
 * - The rule applies where a connector collects access keys (today: AWS). With no such stream at
 *   all, the engine reports "not applicable" (never pass) instead of calling the rule.
 * - Where keys are collected but no root row came back (for the instance, or for an AWS account
 *   whose IAM users were seen), the result is `not_evaluable`, unless another root already fails:
 *   the root user exists in every AWS account, so its absence means we could not see it.
 * - `measured` counts non-compliant root users (threshold 0); it is `null` when not evaluable.
 */
export const rootAccount: Rule<RootAccountParams> = {
  id: 'root-account',
  title: 'Cloud root users: MFA on, no access keys',
  description: 'Every cloud account root user (AWS) has MFA registered and no active access key.',
  controls: ['ISO27001:2022/A.8.2', 'ISO27001:2022/A.8.5', 'SOC2/CC6.1', 'CISv8/5.4', 'CISv8/6.5'],
  requires: [
    { entity: 'account', fields: ['vendorType', 'attributes'] },
    { entity: 'mfa', fields: ['registered'] },
    { entity: 'access_key', fields: ['active', 'lastUsedAt'] },
  ],
  appliesTo: { entity: 'access_key', because: 'no AWS account is configured (no connector collects root users or access keys)' },
  paramsSchema: rootAccountParams,
  evaluate(view) {
    const keyInstances = new Set(view.outcomes.filter((o) => o.entity === 'access_key').map((o) => o.instance));
    const tallies = new Map<string, Tally>();
    const tally = (instance: string): Tally => {
      let t = tallies.get(instance);
      if (!t) tallies.set(instance, (t = { instance, checked: 0, failing: 0, unknown: 0 }));
      return t;
    };
    for (const instance of keyInstances) tally(instance);

    const subjects: ResultSubject[] = [];
    const reasons: string[] = [];
    const check = createChecker(view, keyInstances);
    const roots = view.entities('account').filter((a) => view.accountClass(a).class === 'root');
    for (const root of roots) {
      const t = tally(root.source.instance);
      const outcome = check(root);
      const subject = { ref: root.key, label: rootLabel(root), instance: t.instance };
      if (outcome.faults.length > 0) {
        t.checked += 1;
        t.failing += 1;
        subjects.push({ ...subject, status: 'fail', why: outcome.faults.join('; ') });
      } else if (outcome.unknown.length > 0) {
        t.unknown += 1;
        subjects.push({ ...subject, status: 'not_evaluable', why: outcome.unknown.join('; ') });
        reasons.push(`${subject.label} in ${t.instance}: ${outcome.unknown.join('; ')}`);
      } else {
        t.checked += 1;
      }
    }
    for (const missing of missingRoots(view, keyInstances, roots)) {
      tally(missing.instance).unknown += 1;
      subjects.push({ ...missing, status: 'not_evaluable' });
      reasons.push(`${missing.instance}: ${missing.why}`);
    }

    const all = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
    const overall: Tally = { instance: 'overall', checked: 0, failing: 0, unknown: 0 };
    for (const t of all) {
      overall.checked += t.checked;
      overall.failing += t.failing;
      overall.unknown += t.unknown;
    }
    const status = decide(overall);
    const breakdown: ResultBreakdown[] = [overall, ...all].map((t) => ({ scope: t.instance, status: decide(t), measured: measuredOf(t), summary: describe(t) }));
    return { status, summary: describe(overall), measured: measuredOf(overall), threshold: 0, unit: 'count', reasons: status === 'not_evaluable' ? reasons : [], breakdown, subjects };
  },
};

interface Tally {
  instance: string;
  /** Root users fully checked (compliant or not). */
  checked: number;
  failing: number;
  /** Root users, or whole AWS accounts, whose root could not be checked. */
  unknown: number;
}

/** What is wrong (`faults`) and what could not be seen (`unknown`) for one root user. */
interface RootCheck {
  faults: string[];
  unknown: string[];
}

function createChecker(view: SnapshotView, keyInstances: ReadonlySet<string>): (root: Account) => RootCheck {
  const mfaFor = createMfaLookup(view);
  const withMfaData = instancesWithMfaData(view);
  const activeKeys = new Map<string, AccessKey[]>();
  for (const k of view.entities('access_key')) {
    if (!k.active) continue;
    const id = `${k.source.instance}\u0000${k.accountKey}`;
    activeKeys.set(id, [...(activeKeys.get(id) ?? []), k]);
  }
  return (root) => {
    const where = root.source.instance;
    const faults: string[] = [];
    const unknown: string[] = [];
    if (!withMfaData.has(where)) unknown.push(`no MFA data is collected from ${where}, so the root user's MFA cannot be checked`);
    else {
      const mfa = mfaFor(root);
      if (!mfa) faults.push('root user has no MFA registration record');
      else if (!mfa.registered) faults.push('root user without MFA');
    }
    if (!keyInstances.has(where)) unknown.push(`access keys are not collected from ${where}, so the root user's keys cannot be checked`);
    else {
      const keys = activeKeys.get(`${where}\u0000${root.key}`) ?? [];
      if (keys.length > 0) faults.push(describeKeys(keys, view.asOf));
    }
    return { faults, unknown };
  };
}

/** "root user has an active access key (key AKIA…, last used 2025-02-01, 28 days ago)". */
function describeKeys(keys: readonly AccessKey[], asOf: Date): string {
  const each = keys.map((k) => {
    const used = k.lastUsedAt === null ? 'never used' : `last used ${isoDay(k.lastUsedAt)}, ${plural(ageInDays(asOf, k.lastUsedAt) ?? 0, 'day')} ago`;
    return `key ${k.keyId}, ${used}`;
  });
  return keys.length === 1 ? `root user has an active access key (${each[0]})` : `root user has ${keys.length} active access keys (${each.join('; ')})`;
}

/**
 * The root user exists in every AWS account, so a key-collecting instance without a root row, or an
 * AWS account whose IAM users came back without its root row, means the root user was not seen.
 */
function missingRoots(view: SnapshotView, keyInstances: ReadonlySet<string>, roots: readonly Account[]): Omit<ResultSubject, 'status'>[] {
  const rootInstances = new Set(roots.map((r) => r.source.instance));
  const rootIds = new Set(roots.map((r) => `${r.source.instance}\u0000${awsAccountIdOf(r) ?? ''}`));
  // Only where the connector names the AWS account of its root rows can a missing one be spotted.
  const namedInstances = new Set(roots.filter((r) => awsAccountIdOf(r) !== null).map((r) => r.source.instance));
  const out: Omit<ResultSubject, 'status'>[] = [];
  for (const instance of [...keyInstances].sort()) {
    if (!rootInstances.has(instance)) out.push({ ref: instance, label: instance, instance, why: 'no root user row in the credential report, so the root user cannot be checked' });
  }
  const seen = new Set<string>();
  for (const a of view.entities('account')) {
    const id = awsAccountIdOf(a);
    const where = a.source.instance;
    const key = `${where}\u0000${id ?? ''}`;
    if (id === null || !keyInstances.has(where) || !namedInstances.has(where) || rootIds.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push({ ref: `aws-account:${id}`, label: `AWS account ${id}`, instance: where, why: `no root user row for AWS account ${id} in the credential report, so its root user cannot be checked` });
  }
  return out;
}

function decide(t: Tally): RuleVerdict['status'] {
  if (t.failing > 0) return 'fail';
  if (t.unknown > 0 || t.checked === 0) return 'not_evaluable';
  return 'pass';
}

function measuredOf(t: Tally): number | null {
  return decide(t) === 'not_evaluable' ? null : t.failing;
}

function describe(t: Tally): string {
  const head =
    t.checked === 0
      ? 'no root user could be checked'
      : t.failing === 0
        ? `${plural(t.checked, 'root user')} checked: ${t.checked === 1 ? 'it has' : 'each has'} MFA and no active access key`
        : `${t.failing} of ${plural(t.checked, 'root user')} without MFA or with an active access key`;
  return join(head, t.unknown > 0 ? `${t.unknown} not checked (root user or its data not collected)` : '');
}
