import { z } from 'zod';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { AccountClass, SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { createMfaLookup, instancesWithMfaData } from './mfa-lookup.ts';
import { describeExcluded, formatPercent, formatThreshold, join, plural, sum } from './measure.ts';
import { ratioVerdict as verdict } from './measure.ts';
import { tallyHumanAccounts } from './account-tally.ts';

export const mfaCoverageParams = z
  .object({
    /** Share (0..1) of enabled human accounts that must have MFA registered, in each system and overall. @default 0.95 */
    threshold: z.number().min(0).max(1).default(0.95),
  })
  .strict();
export type MfaCoverageParams = z.infer<typeof mfaCoverageParams>;

interface Tally {
  instance: string;
  humans: number;
  withMfa: number;
  excluded: Map<AccountClass, number>;
  hasMfaData: boolean;
  /** Human accounts whose source says it cannot report their MFA (`attributes.mfaReported: false`). */
  unreported: number;
}

/**
 * Share of enabled human accounts with MFA registered, per connector instance and overall.
 *
 * Decisions:
 * - Only class `human` is measured; guests, service (including vendor-marked workload accounts
 *   such as AWS IAM service users), shared mailbox, break-glass (checked by admin-mfa instead), root
 *   users (checked by root-account), disabled and future-hire accounts are listed as excluded with
 *   the reason.
 * - An account with no MFA record while its instance's MFA stream is usable counts as NOT
 *   registered, and says so: a missing record is never read as "has MFA".
 * - The rule fails when the overall share OR any single instance is below the threshold: a small
 *   system with no MFA must not hide behind a large one that has it (controls.md: "per system and
 *   overall"). `measured` is the overall share.
 * - An instance with human accounts but no MFA stream at all cannot be measured: the result is
 *   `not_evaluable` unless another instance already fails.
 * - No enabled human account anywhere → `not_evaluable`, never a vacuous pass.
 */
export const mfaCoverage: Rule<MfaCoverageParams> = {
  id: 'mfa-coverage',
  title: 'MFA coverage of human accounts',
  description: 'Share of enabled human accounts with at least one MFA method registered, per system and overall, against a threshold (default 95%).',
  controls: ['ISO27001:2022/A.5.17', 'ISO27001:2022/A.8.5', 'SOC2/CC6.1', 'CISv8/6.3'],
  // `enabled` and `vendorType` decide the account class; a missing `hireDate` only makes the
  // measurement stricter (future hires are then counted), so it is not required.
  requires: [
    { entity: 'account', fields: ['enabled', 'vendorType'] },
    { entity: 'mfa', fields: ['registered'] },
  ],
  paramsSchema: mfaCoverageParams,
  evaluate(view, { threshold }) {
    const { tallies, subjects } = measure(view);
    const all = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
    const excludedAll = mergeExcluded(all);
    const excludedText = describeExcluded(excludedAll);

    if (all.every((t) => t.humans === 0)) {
      const reason = 'no enabled human accounts to measure';
      return verdict('not_evaluable', join(reason, excludedText), null, threshold, [reason], [], subjects);
    }

    const measurable = all.filter((t) => t.hasMfaData && t.humans > 0);
    const unmeasured = all.filter((t) => !t.hasMfaData && t.humans > 0);
    const humans = sum(measurable, (t) => t.humans);
    const withMfa = sum(measurable, (t) => t.withMfa);
    const overall = humans > 0 ? withMfa / humans : null;
    const failing = measurable.filter((t) => t.withMfa / t.humans < threshold);

    const unreported = all.filter((t) => t.unreported > 0);
    const status = failing.length > 0 || (overall !== null && overall < threshold) ? 'fail' : unmeasured.length > 0 || unreported.length > 0 ? 'not_evaluable' : 'pass';
    const reasons = [
      ...unmeasured.map((t) => `${t.instance} has ${plural(t.humans, 'enabled human account')} but no MFA data is collected from it`),
      ...unreported.map((t) => `${t.instance} does not report MFA for ${plural(t.unreported, 'account')} (e.g. IAM Identity Center users)`),
    ];

    const headline =
      overall === null
        ? `no instance with human accounts has MFA data (threshold ${formatThreshold(threshold)})`
        : `${formatPercent(overall)} of ${plural(humans, 'enabled human account')} ${humans === 1 ? 'has' : 'have'} MFA registered (threshold ${formatThreshold(threshold)})`;
    // With one instance the headline already says it all.
    const below = failing.length > 0 && measurable.length > 1 ? `below threshold in ${failing.map((t) => `${t.instance} (${formatPercent(t.withMfa / t.humans)} of ${t.humans})`).join(', ')}` : '';
    const notMeasured = unmeasured.length > 0 ? `not measured: ${unmeasured.map((t) => t.instance).join(', ')} (no MFA data collected)` : '';
    const notReported = unreported.length > 0 ? `MFA not reported for ${plural(sum(unreported, (t) => t.unreported), 'account')} in ${unreported.map((t) => t.instance).join(', ')}` : '';
    const summary = join(headline, below, notMeasured, notReported, excludedText);

    // The overall row carries the whole summary: a `fail` next to "99.0% … (threshold 95%)" would
    // otherwise not say that it is one system below the threshold that fails it.
    const breakdown: ResultBreakdown[] = [
      { scope: 'overall', status, measured: overall, summary },
      ...all.map((t) => instanceBreakdown(t, threshold)),
    ];
    return verdict(status, summary, overall, threshold, status === 'not_evaluable' ? reasons : [], breakdown, subjects);
  },
};

function measure(view: SnapshotView): { tallies: Map<string, Tally>; subjects: ResultSubject[] } {
  const mfaFor = createMfaLookup(view);
  const withMfaData = instancesWithMfaData(view);
  return tallyHumanAccounts<Tally>(view, {
    create: (instance) => ({ instance, humans: 0, withMfa: 0, excluded: new Map(), hasMfaData: withMfaData.has(instance), unreported: 0 }),
    excludedWhy: (cls) => `not counted: ${cls.why}`,
    onHuman: (account, t, subject, subjects) => {
      // A source that cannot see MFA for some of its accounts (IAM Identity Center users) says so;
      // such an account is unknown, neither a pass nor a failure, and keeps the result from passing.
      if (account.attributes['mfaReported'] === false) {
        t.unreported += 1;
        subjects.push({ ...subject, status: 'not_evaluable', why: 'the source does not report MFA for this kind of account' });
        return;
      }
      t.humans += 1;
      if (!t.hasMfaData) return; // the instance is reported as not measured as a whole
      const mfa = mfaFor(account);
      if (mfa?.registered) t.withMfa += 1;
      else subjects.push({ ...subject, status: 'fail', why: mfa ? 'no MFA method registered' : 'no MFA registration record for this account' });
    },
  });
}

function instanceBreakdown(t: Tally, threshold: number): ResultBreakdown {
  const excluded = describeExcluded(t.excluded);
  if (t.humans === 0) return { scope: t.instance, status: 'not_evaluable', measured: null, summary: join('no enabled human accounts to measure', excluded) };
  if (!t.hasMfaData) {
    return { scope: t.instance, status: 'not_evaluable', measured: null, summary: join(`no MFA data is collected from this instance; ${plural(t.humans, 'enabled human account')} not measured`, excluded) };
  }
  const ratio = t.withMfa / t.humans;
  const summary = `${formatPercent(ratio)} of ${plural(t.humans, 'enabled human account')} ${t.humans === 1 ? 'has' : 'have'} MFA registered (threshold ${formatThreshold(threshold)})`;
  return { scope: t.instance, status: ratio >= threshold ? 'pass' : 'fail', measured: ratio, summary: join(summary, excluded) };
}

function mergeExcluded(tallies: readonly Tally[]): Map<AccountClass, number> {
  const out = new Map<AccountClass, number>();
  for (const t of tallies) for (const [cls, n] of t.excluded) out.set(cls, (out.get(cls) ?? 0) + n);
  return out;
}

