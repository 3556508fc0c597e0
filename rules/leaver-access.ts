import { z } from 'zod';
import type { Account } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { PersonView, SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { ownerLabel } from './cloud-account.ts';
import { createHoldings, utcMinute } from './leaver-holdings.ts';
import type { Holdings } from './leaver-holdings.ts';
import { join, plural, sum } from './measure.ts';

export const leaverAccessParams = z
  .object({
    /** Every account, key and token of a person who left must be gone this many whole hours after they left. @default 24 */
    hours: z.number().int().positive().default(24),
  })
  .strict();
export type LeaverAccessParams = z.infer<typeof leaverAccessParams>;

/**
 * No one who left still holds access more than `hours` (default 24) after leaving.
 *
 * Decisions:
 * - Leavers are the people (src/identity) whose status is `terminated`: HR's word when an HR source
 *   gives one, else an account leave date (Entra `employeeLeaveDateTime`) that has passed. `leftAt`
 *   is the earliest leave date any source gives, so hours are never understated; the why names
 *   its source, the other sources' dates and any conflict between them.
 * - Access: an enabled linked account, an active access key, an OAuth grant of an enabled account
 *   (leaver-holdings.ts says why a disabled account's grants are not access).
 * - Hours are WHOLE hours from the run's `asOf` (rounded down), so "left 24 h ago, limit 24 h" is
 *   still within the limit and the number read is the number compared.
 * - One subject per person and account that still gives access: `fail` past the limit; within it
 *   `pending`, the why saying how many hours remain (never a failure); a
 *   terminated person with no leave date and remaining access is `not_evaluable` (how long it has
 *   remained cannot be told); so is a disabled account of a leaver past the limit whose
 *   connector's access keys could not be read.
 * - No HR source and no account leave date anywhere → `not_evaluable`: nothing says who left, and
 *   a pass would be vacuous. An HR stream that cannot be used (or, without HR, an account stream
 *   whose leave dates are missing) makes a result without failures `not_evaluable`.
 * - `measured` counts the failing person+account subjects (threshold 0), not people, so the engine
 *   can recount them when exceptions accept some (one account kept for a handover, say); the
 *   summary counts people and the longest time since leaving.
 * - Not covered: accounts linked to no person (service accounts, ambiguous matches), even with a
 *   leave date of their own; HR-active people whose account leave date has passed (identity
 *   reports that conflict).
 */
export const leaverAccess: Rule<LeaverAccessParams> = {
  id: 'leaver-access',
  title: 'Access removed promptly when people leave',
  description:
    'No person who left (HR status, or a passed leave date from HR or Entra) still has an enabled account, an active access key or an OAuth grant of an enabled account more than N hours after leaving (default 24). Accounts still within the limit are listed as pending.',
  controls: ['ISO27001:2022/A.6.5', 'ISO27001:2022/A.5.18', 'SOC2/CC6.2', 'SOC2/CC6.3', 'CISv8/6.2'],
  requires: [{ entity: 'account', fields: ['enabled'] }],
  paramsSchema: leaverAccessParams,
  exceptionEffect: 'count',
  evaluate(view, params) {
    const hasHr = view.outcomes.some((o) => o.entity === 'person');
    if (!hasHr && !view.entities('account').some((a) => a.leaveDate !== null)) {
      const reason = 'no HR source or leave dates configured: nothing says who left or when (add an hr-csv or bamboohr source, or set employeeLeaveDateTime in Entra)';
      return { status: 'not_evaluable', summary: reason, measured: null, threshold: 0, unit: 'count', reasons: [reason], breakdown: [], subjects: [] };
    }
    // Without HR, account leave dates are the only source of who left: missing ones block a pass.
    const sourceReasons = hasHr ? view.availability('person', ['status', 'leaveDate']).reasons : view.availability('account', ['leaveDate']).reasons;
    return judge(view, params, sourceReasons);
  },
};

type Timing = { kind: 'undated' } | { kind: 'past' | 'pending'; hours: number } | { kind: 'future'; hours: number };

interface Tally {
  instance: string;
  failing: number;
  pending: number;
  unknown: number;
  /** Longest whole hours since leaving among this row's failing subjects. */
  worst: number | null;
}

const HOUR_MS = 3_600_000;

function judge(view: SnapshotView, { hours }: LeaverAccessParams, sourceReasons: string[]): RuleVerdict {
  const holdingsOf = createHoldings(view);
  const tallies = new Map<string, Tally>();
  const tally = (instance: string): Tally => {
    let t = tallies.get(instance);
    if (!t) tallies.set(instance, (t = { instance, failing: 0, pending: 0, unknown: 0, worst: null }));
    return t;
  };
  for (const o of view.outcomes) if (o.entity === 'account') tally(o.instance);

  const subjects: ResultSubject[] = [];
  const people = { left: 0, failing: 0, pending: 0 };
  let worst: { hours: number; name: string } | null = null;
  for (const person of view.people()) {
    if (person.status !== 'terminated') continue;
    people.left += 1;
    const timing = timingOf(person, view.asOf, hours);
    const held = person.accounts.map(({ account }) => ({ account, h: holdingsOf(account, person.leftAt) })).filter(({ h }) => h.access.length + h.unknown.length > 0);
    const withAccess = held.filter(({ h }) => h.access.length > 0);
    let failed = false;
    for (const { account, h } of held) {
      const t = tally(account.source.instance);
      const others = otherPlaces(account, withAccess.map((x) => x.account));
      const subject = { ref: account.key, label: ownerLabel(account), instance: t.instance };
      const judged = judgeAccount(person, h, timing, hours, others);
      if (judged === null) continue;
      subjects.push({ ...subject, ...judged });
      if (judged.status === 'fail') {
        failed = true;
        t.failing += 1;
        const hrs = timing.kind === 'past' ? timing.hours : 0;
        t.worst = Math.max(t.worst ?? 0, hrs);
        if (worst === null || hrs > worst.hours) worst = { hours: hrs, name: person.displayName };
      } else if (judged.status === 'pending') t.pending += 1;
      else t.unknown += 1;
    }
    if (failed) people.failing += 1;
    else if ((timing.kind === 'pending' || timing.kind === 'future') && withAccess.length > 0) people.pending += 1;
  }

  const rows = [...tallies.values()].sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
  const overall: Tally = { instance: 'overall', failing: sum(rows, (t) => t.failing), pending: sum(rows, (t) => t.pending), unknown: sum(rows, (t) => t.unknown), worst: worst?.hours ?? null };
  const decide = (t: Tally): RuleVerdict['status'] => (t.failing > 0 ? 'fail' : t.unknown > 0 || sourceReasons.length > 0 ? 'not_evaluable' : 'pass');
  const measuredOf = (t: Tally) => (decide(t) === 'not_evaluable' ? null : t.failing);
  const status = decide(overall);
  const summary = join(describePeople(people, hours, worst), describeCounts(overall, hours, false), sourceReasons.length > 0 ? 'who left cannot be fully read (see reasons)' : '');
  const breakdown: ResultBreakdown[] = [
    { scope: 'overall', status, measured: measuredOf(overall), summary },
    ...rows.map((t) => ({ scope: t.instance, status: decide(t), measured: measuredOf(t), summary: describeCounts(t, hours, true) })),
  ];
  const reasons = status !== 'not_evaluable' ? [] : [...sourceReasons, ...subjects.filter((s) => s.status === 'not_evaluable').map((s) => `${s.label} in ${s.instance}: ${s.why}`)];
  return { status, summary, measured: measuredOf(overall), threshold: 0, unit: 'count', reasons, breakdown, subjects };
}

/** Where else the person still has access: `another aws-prod account, google-main`. */
function otherPlaces(account: Account, withAccess: readonly Account[]): string[] {
  const own = account.source.instance;
  const places = withAccess.filter((a) => a !== account).map((a) => (a.source.instance === own ? `another ${own} account` : a.source.instance));
  return [...new Set(places)].sort((a, b) => (a.startsWith('another ') ? -1 : b.startsWith('another ') ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

function timingOf(person: PersonView, asOf: Date, limit: number): Timing {
  if (person.leftAt === null) return { kind: 'undated' };
  const ms = asOf.getTime() - Date.parse(person.leftAt);
  if (ms < 0) return { kind: 'future', hours: Math.ceil(-ms / HOUR_MS) };
  const hours = Math.floor(ms / HOUR_MS);
  return { kind: hours > limit ? 'past' : 'pending', hours };
}

/** The subject for one account of a leaver, or null when nothing about it needs saying yet. */
function judgeAccount(person: PersonView, h: Holdings, timing: Timing, limit: number, others: string[]): Pick<ResultSubject, 'status' | 'why'> | null {
  const access = h.access.length > 0 ? h.access.join('; ') : '';
  const also = others.length > 0 ? `; access also remains in ${others.join(', ')}` : '';
  const notes = join(h.unknown.length > 0 && h.access.length > 0 ? `not checked: ${h.unknown.join('; ')}` : '', ...person.conflicts);
  const tail = (s: string) => join(s, notes);
  if (h.access.length === 0) {
    // Disabled, but keys unreadable: only worth saying once the person is overdue (or undated).
    if (timing.kind === 'pending' || timing.kind === 'future') return null;
    const lead = timing.kind === 'undated' ? `${person.displayName}: terminated without a leave date` : `${person.displayName} ${leftPhrase(person, timing.hours)}`;
    return { status: 'not_evaluable', why: tail(`${lead}; the account is disabled, but ${h.unknown.join('; ')}, so remaining access cannot be ruled out`) };
  }
  switch (timing.kind) {
    case 'undated':
      return { status: 'not_evaluable', why: tail(`terminated without a leave date: cannot tell how long access has remained; ${person.displayName}: ${access}${also}`) };
    case 'past':
      return { status: 'fail', why: tail(`${person.displayName} ${leftPhrase(person, timing.hours)}; ${access}${also}`) };
    case 'pending':
      return { status: 'pending', why: tail(`left ${timing.hours} h ago, ${limit - timing.hours} h left of the ${limit} h limit; ${person.displayName} ${sourcePhrase(person)}; ${access}${also}`) };
    case 'future':
      return { status: 'pending', why: tail(`leaves in ${timing.hours} h, then ${limit} h to remove access (${timing.hours + limit} h left); ${person.displayName} ${sourcePhrase(person)}; ${access}${also}`) };
  }
}

/** `left 30 h ago (2026-11-19 03:00 UTC, from hr; m365-main/employeeLeaveDateTime: 2026-11-19 17:00 UTC)`. */
function leftPhrase(person: PersonView, hours: number): string {
  const days = hours >= 48 ? ` (${Math.floor(hours / 24)} days)` : '';
  return `left ${hours} h${days} ago ${sourcePhrase(person)}`;
}

function sourcePhrase(person: PersonView): string {
  const [first, ...rest] = person.leaveDates;
  if (!first) return '';
  const more = rest.length > 0 ? `; ${rest.map((d) => `${d.source}: ${utcMinute(d.date)}`).join(', ')}` : '';
  return `(${utcMinute(first.date)}, from ${first.source}${more})`;
}

function describePeople(people: { left: number; failing: number; pending: number }, hours: number, worst: { hours: number; name: string } | null): string {
  if (people.left === 0) return 'no one has left (by HR status or a passed leave date)';
  const head =
    people.failing > 0
      ? `${people.failing} of ${plural(people.left, 'person', 'people')} who left still ${people.failing === 1 ? 'has' : 'have'} access more than ${hours} h after leaving${worst ? ` (longest: ${worst.name}, ${worst.hours} h)` : ''}`
      : `${plural(people.left, 'person', 'people')} who left: none has access more than ${hours} h after leaving`;
  return join(head, people.pending > 0 ? `${plural(people.pending, 'person', 'people')} within ${hours} h of leaving still ${people.pending === 1 ? 'has' : 'have'} access (pending)` : '');
}

function describeCounts(t: Tally, hours: number, row: boolean): string {
  const head = !row
    ? ''
    : t.failing > 0
      ? `${plural(t.failing, 'account')} of people who left still usable more than ${hours} h after leaving (longest ${t.worst} h)`
      : `no account of a person who left is usable more than ${hours} h after leaving`;
  return join(
    head,
    !row && t.failing > 0 ? `${plural(t.failing, 'account')} past the limit` : '',
    t.pending > 0 ? `${plural(t.pending, 'account')} pending` : '',
    t.unknown > 0 ? `${plural(t.unknown, 'account')} not judged (no leave date, or access keys unreadable)` : '',
  );
}
