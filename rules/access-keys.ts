import { z } from 'zod';
import type { AccessKey } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { ageInDays } from './age-in-days.ts';
import { ownerLabel } from './cloud-account.ts';
import { join, plural } from './measure.ts';

export const accessKeysParams = z
  .object({
    /** An active key must have been used within this many whole days; a never-used key gets this long after it was created. @default 90 */
    unusedDays: z.number().int().positive().default(90),
    /** An active key must have been created or rotated within this many whole days. @default 90 */
    rotationDays: z.number().int().positive().default(90),
  })
  .strict();
export type AccessKeysParams = z.infer<typeof accessKeysParams>;

/**
 * Every active access key is in use and recently rotated.
 *
 * Decisions:
 * - Ages are whole days from the run's `asOf` (see age-in-days.ts): at exactly the limit a key
 *   passes, one day over it fails.
 * - The key's issue date is `lastRotatedAt`, else `createdAt` (AWS "rotates" by creating a new key;
 *   the credential report's `last_rotated` is the current key's creation date).
 * - Never used (`lastUsedAt: null`): passes for `unusedDays` after it was issued (a key just handed
 *   out), then fails as "never used".
 * - Inactive keys cannot authenticate: not checked, only counted in the summary. Keys of any
 *   account class are checked, disabled accounts included (an IAM user without a console password
 *   still calls the API with its keys), and root keys too (root-account reports them as well).
 * - A key whose issue date is not reported cannot be judged for rotation (nor for "never used"):
 *   a `not_evaluable` subject; the result is then `not_evaluable` unless another key already fails.
 * - No active key at all, with every key stream usable, is a pass: there is nothing to rotate.
 * - `measured` counts non-compliant keys (threshold 0); `null` when not evaluable.
 */
export const accessKeys: Rule<AccessKeysParams> = {
  id: 'access-keys',
  title: 'Access keys in use and rotated',
  description: 'Every active access key was used within N days (default 90; a never-used key fails N days after it was created) and rotated within M days (default 90).',
  controls: ['ISO27001:2022/A.5.17', 'ISO27001:2022/A.5.18', 'SOC2/CC6.1', 'CISv8/5.3'],
  // Accounts only name the key's owner; a key whose account is missing is labelled by its accountKey.
  requires: [{ entity: 'access_key', fields: ['active', 'createdAt', 'lastRotatedAt', 'lastUsedAt'] }],
  appliesTo: { entity: 'access_key', because: 'no AWS account is configured (no connector collects access keys)' },
  paramsSchema: accessKeysParams,
  evaluate(view, params) {
    const tallies = new Map<string, Tally>();
    for (const o of view.outcomes) if (o.entity === 'access_key' && !tallies.has(o.instance)) tallies.set(o.instance, newTally(o.instance));

    const subjects: ResultSubject[] = [];
    const reasons: string[] = [];
    for (const key of view.entities('access_key')) {
      let t = tallies.get(key.source.instance);
      if (!t) tallies.set(key.source.instance, (t = newTally(key.source.instance)));
      if (!key.active) {
        t.inactive += 1;
        continue;
      }
      const judged = judge(key, view.asOf, params);
      const subject = { ref: key.key, label: labelOf(view, key), instance: t.instance };
      if (judged.faults.length > 0) {
        t.checked += 1;
        t.failing += 1;
        if (judged.unused) t.unused += 1;
        if (judged.unrotated) t.unrotated += 1;
        subjects.push({ ...subject, status: 'fail', why: judged.faults.join('; ') });
      } else if (judged.unknown !== null) {
        t.unknown += 1;
        subjects.push({ ...subject, status: 'not_evaluable', why: judged.unknown });
        reasons.push(`${subject.label} in ${t.instance}: ${judged.unknown}`);
      } else {
        t.checked += 1;
      }
    }

    const all = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
    const overall = newTally('overall');
    for (const t of all) for (const f of COUNTS) overall[f] += t[f];
    const status = decide(overall);
    const breakdown: ResultBreakdown[] = [overall, ...all].map((t) => ({ scope: t.instance, status: decide(t), measured: measuredOf(t), summary: describe(t, params) }));
    return { status, summary: describe(overall, params), measured: measuredOf(overall), threshold: 0, unit: 'count', reasons: status === 'not_evaluable' ? reasons : [], breakdown, subjects };
  },
};

const COUNTS = ['checked', 'failing', 'unused', 'unrotated', 'unknown', 'inactive'] as const;
type Tally = { instance: string } & Record<(typeof COUNTS)[number], number>;

function newTally(instance: string): Tally {
  return { instance, checked: 0, failing: 0, unused: 0, unrotated: 0, unknown: 0, inactive: 0 };
}

interface Judgement {
  /** Sentences saying what is wrong, with the numbers. */
  faults: string[];
  unused: boolean;
  unrotated: boolean;
  /** Why the key could not be judged, when nothing is already wrong. */
  unknown: string | null;
}

function judge(key: AccessKey, asOf: Date, { unusedDays, rotationDays }: AccessKeysParams): Judgement {
  const issuedAge = ageInDays(asOf, key.lastRotatedAt ?? key.createdAt);
  const usedAge = ageInDays(asOf, key.lastUsedAt);
  const faults: string[] = [];
  let unused = false;
  if (usedAge !== null && usedAge > unusedDays) {
    unused = true;
    faults.push(`last used ${plural(usedAge, 'day')} ago (limit ${unusedDays})`);
  } else if (key.lastUsedAt === null && issuedAge !== null && issuedAge > unusedDays) {
    unused = true;
    faults.push(`never used in the ${plural(issuedAge, 'day')} since it was created (limit ${unusedDays})`);
  }
  const unrotated = issuedAge !== null && issuedAge > rotationDays;
  if (unrotated) faults.push(`not rotated for ${plural(issuedAge, 'day')} (limit ${rotationDays})`);
  const unknown = issuedAge === null ? 'the vendor does not report when this key was created or last rotated, so its age cannot be checked' : null;
  return { faults, unused, unrotated, unknown };
}

/** `deploy (AWS account 111122223333), key AKIA…`; the accountKey when the account was not collected. */
function labelOf(view: SnapshotView, key: AccessKey): string {
  const owner = view.find('account', key.source.instance, key.accountKey);
  return `${owner ? ownerLabel(owner) : key.accountKey}, key ${key.keyId}`;
}

function decide(t: Tally): RuleVerdict['status'] {
  if (t.failing > 0) return 'fail';
  return t.unknown > 0 ? 'not_evaluable' : 'pass';
}

function measuredOf(t: Tally): number | null {
  return decide(t) === 'not_evaluable' ? null : t.failing;
}

function describe(t: Tally, { unusedDays, rotationDays }: AccessKeysParams): string {
  const why = [
    t.unused > 0 ? `${t.unused} unused for more than ${unusedDays} days` : '',
    t.unrotated > 0 ? `${t.unrotated} not rotated for more than ${rotationDays} days` : '',
  ].filter((x) => x !== '');
  const limits = `used within ${unusedDays} days and rotated within ${rotationDays} days`;
  const head =
    t.checked + t.unknown === 0
      ? 'no active access keys'
      : t.failing > 0
        ? `${t.failing} of ${plural(t.checked, 'active access key')} out of limits (${why.join(', ')})`
        : t.checked === 1
          ? `1 active access key checked: ${limits}`
          : `${plural(t.checked, 'active access key')} checked: all ${limits}`;
  return join(
    head,
    t.unknown > 0 ? `${plural(t.unknown, 'active key')} not checked (creation date not reported)` : '',
    t.inactive > 0 ? `${plural(t.inactive, 'inactive key')} not checked` : '',
  );
}
