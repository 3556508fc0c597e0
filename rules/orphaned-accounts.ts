import { z } from 'zod';
import type { Account } from '../src/core/model.ts';
import type { ResultBreakdown, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { AccountClass, PersonView, SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { tallyHumanAccounts } from './account-tally.ts';
import { describeExcluded, join, plural, sum } from './measure.ts';

export const orphanedAccountsParams = z.object({}).strict();
export type OrphanedAccountsParams = z.infer<typeof orphanedAccountsParams>;

/**
 * Every enabled human account belongs to a current person in the HR roster.
 *
 * Decisions:
 * - Checked: enabled accounts of class `human`. Excluded and listed with why: guests (outside
 *   people, never in HR; guest-accounts checks them), service accounts, shared mailboxes,
 *   break-glass, root users, disabled accounts and future hires.
 * - Fails: an account linked to no person (src/identity says why: no key to link by, or two
 *   people fit), or linked to a person no HR record describes (known only from accounts).
 * - Passes: linked to a person with an HR record whose status is active, future or unstated.
 * - Linked to a person who left (status `terminated`): excluded, not failed. leaver-access reports
 *   exactly those accounts, with the hours since leaving and a grace period; failing them here too
 *   would count one finding twice and fail a leaver who left an hour ago.
 * - Only meaningful with an HR source: without one the rule is `N/A` (`appliesTo`). An HR stream
 *   missing status, e-mail or employee id cannot be trusted to link people (every account would
 *   look orphaned), so the engine answers `not_evaluable`.
 * - No enabled human account at all → `not_evaluable`, never a vacuous pass.
 * - `measured` counts orphaned accounts (threshold 0); `null` when not evaluable.
 */
export const orphanedAccounts: Rule<OrphanedAccountsParams> = {
  id: 'orphaned-accounts',
  title: 'No accounts without a current person in HR',
  description:
    'Every enabled human account is linked to a current person in the HR roster; an account matching no one, or only people HR does not know, fails. Accounts of people who left are left to leaver-access; guests, service accounts, shared mailboxes, break-glass, root, disabled accounts and future hires are excluded.',
  controls: ['ISO27001:2022/A.5.16', 'SOC2/CC6.2', 'CISv8/5.1'],
  requires: [
    { entity: 'account', fields: ['enabled', 'vendorType'] },
    { entity: 'person', fields: ['status', 'email', 'employeeId'] },
  ],
  appliesTo: { entity: 'person', because: 'no HR source is configured (hr-csv, bamboohr)' },
  paramsSchema: orphanedAccountsParams,
  evaluate(view) {
    return judge(view);
  },
};

interface Tally {
  instance: string;
  checked: number;
  orphaned: number;
  leavers: number;
  excluded: Map<AccountClass, number>;
}

const WHY_EXCLUDED: Partial<Record<AccountClass, string>> = {
  guest: '; guests are outside people whom HR does not list (guest-accounts checks them)',
  service: '; not a person, so not expected in HR',
  shared_mailbox: '; not a person, so not expected in HR',
  break_glass: '; an emergency account, not a person',
  root: '; root-account checks root users',
  future_hire: '; HR may not list them before their start date',
};

function judge(view: SnapshotView): RuleVerdict {
  const hr = [...new Set(view.outcomes.filter((o) => o.entity === 'person').map((o) => o.instance))].sort().join(', ');
  const unmatched = new Map(view.unmatchedAccounts().map((u) => [u.account, u.why] as const));
  const { tallies, subjects } = tallyHumanAccounts<Tally>(view, {
    create: (instance) => ({ instance, checked: 0, orphaned: 0, leavers: 0, excluded: new Map() }),
    excludedWhy: (cls) => `not checked: ${cls.why}${WHY_EXCLUDED[cls.class] ?? ''}`,
    onHuman: (account, t, subject, subjects) => {
      const person = view.personOf(account);
      const why = orphanWhy(account, person, unmatched.get(account), hr);
      if (why === 'leaver') {
        t.leavers += 1;
        subjects.push({ ...subject, status: 'excluded', why: `not checked: ${leftWords(person!)}; leaver-access reports accounts of people who left` });
        return;
      }
      t.checked += 1;
      if (why === null) return;
      t.orphaned += 1;
      subjects.push({ ...subject, status: 'fail', why });
    },
  });

  const rows = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  const overall: Tally = { instance: 'overall', checked: sum(rows, (t) => t.checked), orphaned: sum(rows, (t) => t.orphaned), leavers: sum(rows, (t) => t.leavers), excluded: new Map() };
  for (const t of rows) for (const [c, n] of t.excluded) overall.excluded.set(c, (overall.excluded.get(c) ?? 0) + n);
  const decide = (t: Tally): RuleVerdict['status'] => (t.orphaned > 0 ? 'fail' : t.checked === 0 ? 'not_evaluable' : 'pass');
  const row = (t: Tally): ResultBreakdown => ({ scope: t.instance, status: decide(t), measured: decide(t) === 'not_evaluable' ? null : t.orphaned, summary: describe(t, hr) });
  const status = decide(overall);
  return {
    status,
    summary: describe(overall, hr),
    measured: status === 'not_evaluable' ? null : overall.orphaned,
    threshold: 0,
    unit: 'count',
    reasons: status === 'not_evaluable' ? ['no enabled human account to check'] : [],
    breakdown: [row(overall), ...rows.map(row)],
    subjects,
  };
}

/** Why the account is orphaned; null when a current person in HR holds it; `leaver` for leaver-access. */
function orphanWhy(account: Account, person: PersonView | undefined, unmatchedWhy: string | undefined, hr: string): string | 'leaver' | null {
  if (person === undefined) return `matches no person in HR (${hr}): ${unmatchedWhy ?? 'it was linked to no one'}; link it in identity.mappings if someone holds it, else disable it`;
  if (person.status === 'terminated') return 'leaver';
  if (person.hrRecords.length > 0) return null;
  const link = person.accounts.find((a) => a.account === account)?.why ?? 'its own keys';
  return `no HR record (${hr}) describes its holder ${person.displayName} (linked by ${link}); if they work here add them to HR or map the account in identity.mappings, else disable it`;
}

/** `Ann Example left on 2025-02-10 per hr`, naming the source of the earliest leave date. */
function leftWords(person: PersonView): string {
  const first = person.leaveDates[0];
  return first ? `${person.displayName} left on ${first.date.slice(0, 10)} per ${first.source}` : `${person.displayName} left per HR (no leave date given)`;
}

function describe(t: Tally, hr: string): string {
  const head =
    t.checked === 0
      ? 'no enabled human account to check'
      : t.orphaned > 0
        ? `${t.orphaned} of ${plural(t.checked, 'enabled human account')} ${t.orphaned === 1 ? 'matches' : 'match'} no current person in HR (${hr})`
        : `${plural(t.checked, 'enabled human account')} checked: ${t.checked === 1 ? 'it belongs' : 'each belongs'} to a current person in HR (${hr})`;
  return join(head, t.leavers > 0 ? `${plural(t.leavers, 'account')} of people who left not checked (leaver-access judges them)` : '', describeExcluded(t.excluded));
}
