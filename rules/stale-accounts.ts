import { z } from 'zod';
import type { Account } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { AccountClass, AccountClassification, SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { ageInDays, isoDay } from './age-in-days.ts';
import { ownerLabel } from './cloud-account.ts';
import { describeExcluded, join, plural, sum } from './measure.ts';

export const signInParams = z
  .object({
    /** An account must have signed in successfully within this many whole days of the run. @default 90 */
    days: z.number().int().positive().default(90),
    /** A never-used account passes for this many whole days after it was created, then fails. @default 30 */
    graceDays: z.number().int().nonnegative().default(30),
  })
  .strict();
export type SignInParams = z.infer<typeof signInParams>;

/**
 * Enabled human and service accounts with no successful sign-in for `days` (default 90); a
 * never-used account after `graceDays` (default 30) from its creation.
 *
 * Decisions:
 * - Checked: classes `human` and `service` (a forgotten integration user is as dormant as a
 *   forgotten person, CIS 5.3). Excluded and listed with why: guests (guest-accounts checks them),
 *   break-glass (meant to sit unused; controls.md excludes them from sign-in rules), root users
 *   (root-account), shared mailboxes (not signed in to directly), disabled accounts and future hires.
 * - Ages are whole days from the run's `asOf` (age-in-days.ts): exactly `days` ago passes.
 * - `lastSuccessfulAt` is what counts: Entra's last successful sign-in (interactive or not),
 *   Google's last login, AWS's later of console-password and access-key use.
 * - A stream without sign-in data (M365 without Entra ID P1) is a field-scoped failure: the engine
 *   answers `not_evaluable` naming the licence before this rule runs. An account whose own
 *   `signIn` is null in a complete stream (IAM Identity Center users) is a `not_evaluable`
 *   subject, never read as "never signed in"; so is a never-used account with no creation date.
 *   The result is then `not_evaluable` unless another account already fails.
 * - No account to check at all → `not_evaluable`, never a vacuous pass.
 * - `measured` counts stale accounts (threshold 0); `null` when not evaluable.
 */
export const staleAccounts: Rule<SignInParams> = {
  id: 'stale-accounts',
  title: 'No dormant human or service accounts',
  description:
    'Enabled human and service accounts signed in successfully within N days (default 90); a never-used account fails M days after it was created (default 30). Guests, break-glass, root, shared mailboxes, disabled accounts and future hires are excluded.',
  controls: ['ISO27001:2022/A.5.16', 'ISO27001:2022/A.5.18', 'SOC2/CC6.2', 'CISv8/5.3'],
  requires: [{ entity: 'account', fields: ['enabled', 'vendorType', 'signIn'] }],
  paramsSchema: signInParams,
  evaluate(view, params) {
    return evaluateSignIns(view, params, {
      scope: (_account, cls) => (cls.class === 'human' || cls.class === 'service' ? 'check' : { excluded: `not checked: ${cls.why}${WHY_EXCLUDED[cls.class] ?? ''}` }),
      noun: ['enabled human or service account', 'enabled human and service accounts'],
      whenNone: 'not_evaluable',
      everyInstance: true,
    });
  },
};

const WHY_EXCLUDED: Partial<Record<AccountClass, string>> = {
  guest: '; guest-accounts checks guests',
  break_glass: '; emergency accounts are meant to sit unused, so sign-in rules leave them out',
  root: '; root-account checks root users',
  shared_mailbox: '; a shared mailbox is opened by its members, not signed in to',
};

// ——— shared with guest-accounts ———

export type SignInJudgement = { kind: 'ok' } | { kind: 'stale' | 'no_data' | 'no_created'; why: string };

/** How a never-used account is worded: "never signed in; created …", or for a pending guest "invitation not accepted; sent …". */
export interface NeverUsedWords {
  never: string;
  since: string;
}

const NEVER_SIGNED_IN: NeverUsedWords = { never: 'never signed in', since: 'created' };

export function judgeSignIn(account: Account, asOf: Date, { days, graceDays }: SignInParams, words: NeverUsedWords = NEVER_SIGNED_IN): SignInJudgement {
  const signIn = account.signIn;
  if (signIn === null) return { kind: 'no_data', why: 'sign-in data not collected for this account, so its last sign-in cannot be checked' };
  const last = signIn.lastSuccessfulAt;
  if (last !== null) {
    const age = ageInDays(asOf, last) ?? 0;
    return age > days ? { kind: 'stale', why: `last successful sign-in ${plural(age, 'day')} ago (${isoDay(last)}), limit ${days}` } : { kind: 'ok' };
  }
  // Entra's last interactive attempt includes failed ones: worth saying, never a success.
  const attempt = signIn.lastInteractiveAt ?? signIn.lastNonInteractiveAt;
  const never = attempt === null ? words.never : `no successful sign-in recorded (last attempt ${isoDay(attempt)})`;
  const created = ageInDays(asOf, account.createdAt);
  if (created === null) return { kind: 'no_created', why: `${never}, and its creation date is not reported, so the ${graceDays}-day grace cannot be checked` };
  return created > graceDays ? { kind: 'stale', why: `${never}; ${words.since} ${plural(created, 'day')} ago (grace ${graceDays})` } : { kind: 'ok' };
}

export interface SignInScope {
  /** `check`, excluded (listed with why), or null: out of scope and not listed at all. */
  scope(account: Account, cls: AccountClassification): 'check' | { excluded: string } | null;
  /** The accounts checked, singular and plural. */
  noun: readonly [string, string];
  /** What no account to check means: a vacuous pass is refused where there should be accounts. */
  whenNone: 'pass' | 'not_evaluable';
  /** Every instance collecting accounts gets a breakdown row, not only those with accounts in scope. */
  everyInstance: boolean;
  /** Override the never-signed-in wording for one account (a pending invitation). */
  never?(account: Account): NeverUsedWords | undefined;
}

interface Tally {
  instance: string;
  checked: number;
  stale: number;
  noData: number;
  noCreated: number;
  excluded: Map<AccountClass, number>;
}

export function evaluateSignIns(view: SnapshotView, params: SignInParams, scope: SignInScope): RuleVerdict {
  const tallies = new Map<string, Tally>();
  const tally = (instance: string): Tally => {
    let t = tallies.get(instance);
    if (!t) tallies.set(instance, (t = { instance, checked: 0, stale: 0, noData: 0, noCreated: 0, excluded: new Map() }));
    return t;
  };
  if (scope.everyInstance) for (const o of view.outcomes) if (o.entity === 'account') tally(o.instance);

  const subjects: ResultSubject[] = [];
  for (const account of view.entities('account')) {
    const cls = view.accountClass(account);
    const decision = scope.scope(account, cls);
    if (decision === null) continue;
    const t = tally(account.source.instance);
    const subject = { ref: account.key, label: ownerLabel(account), instance: t.instance };
    if (decision !== 'check') {
      t.excluded.set(cls.class, (t.excluded.get(cls.class) ?? 0) + 1);
      subjects.push({ ...subject, status: 'excluded', why: decision.excluded });
      continue;
    }
    const judged = judgeSignIn(account, view.asOf, params, scope.never?.(account));
    if (judged.kind === 'ok') {
      t.checked += 1;
      continue;
    }
    if (judged.kind === 'stale') {
      t.checked += 1;
      t.stale += 1;
    } else if (judged.kind === 'no_data') t.noData += 1;
    else t.noCreated += 1;
    subjects.push({ ...subject, status: judged.kind === 'stale' ? 'fail' : 'not_evaluable', why: judged.why });
  }

  const all = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  const overall: Tally = { instance: 'overall', checked: sum(all, (t) => t.checked), stale: sum(all, (t) => t.stale), noData: sum(all, (t) => t.noData), noCreated: sum(all, (t) => t.noCreated), excluded: new Map() };
  for (const t of all) for (const [c, n] of t.excluded) overall.excluded.set(c, (overall.excluded.get(c) ?? 0) + n);

  const status = decide(overall, scope.whenNone);
  const row = (t: Tally): ResultBreakdown => ({ scope: t.instance, status: decide(t, scope.whenNone), measured: decide(t, scope.whenNone) === 'not_evaluable' ? null : t.stale, summary: describe(t, params, scope.noun) });
  const reasons = status !== 'not_evaluable' ? [] : all.flatMap(unjudged);
  if (status === 'not_evaluable' && reasons.length === 0) reasons.push(`no ${scope.noun[1]} to check`);
  return {
    status,
    summary: describe(overall, params, scope.noun),
    measured: status === 'not_evaluable' ? null : overall.stale,
    threshold: 0,
    unit: 'count',
    reasons,
    breakdown: [row(overall), ...all.map(row)],
    subjects,
  };
}

function decide(t: Tally, whenNone: SignInScope['whenNone']): RuleVerdict['status'] {
  if (t.stale > 0) return 'fail';
  if (t.noData + t.noCreated > 0) return 'not_evaluable';
  return t.checked === 0 ? whenNone : 'pass';
}

function unjudged(t: Tally): string[] {
  return [
    t.noData > 0 ? `${t.instance}: no sign-in data for ${plural(t.noData, 'account')} (e.g. IAM Identity Center users)` : '',
    t.noCreated > 0 ? `${t.instance}: ${plural(t.noCreated, 'never-used account')} without a creation date, so the grace period cannot be checked` : '',
  ].filter((r) => r !== '');
}

function describe(t: Tally, { days, graceDays }: SignInParams, [one, many]: readonly [string, string]): string {
  const head =
    t.checked === 0
      ? `no ${many} to check`
      : t.stale > 0
        ? `${t.stale} of ${plural(t.checked, one, many)} without a successful sign-in for more than ${days} days (never used: ${graceDays} days' grace from creation)`
        : `${plural(t.checked, one, many)} checked: ${t.checked === 1 ? 'it' : 'each'} signed in within ${days} days or is new (${graceDays} days' grace)`;
  return join(
    head,
    t.noData > 0 ? `${plural(t.noData, 'account')} not checked (sign-in data not collected)` : '',
    t.noCreated > 0 ? `${plural(t.noCreated, 'never-used account')} not checked (creation date not reported)` : '',
    describeExcluded(t.excluded),
  );
}
