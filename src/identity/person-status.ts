import type { Account, Person } from '../core/model.ts';
import type { PersonView } from '../evaluate/snapshot-view.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';

/**
 * What the sources together say about whether a person is employed, and where they disagree.
 *
 * - HR's status wins when any HR record states one (`unknown` states none). When HR sources
 *   disagree, `terminated` beats `active` beats `future`: a leaver check that errs towards
 *   "left" looks at more accounts, never fewer (fail closed). Disagreement is a conflict sentence.
 * - HR `active` with a hire date after the run (and none on or before it) is `future`.
 * - Without HR: a leave date on or before the run means `terminated`; only hire dates after the
 *   run means `future`; otherwise `unknown` (an account existing does not prove employment).
 * - Leave dates come from HR records and from accounts (Entra `employeeLeaveDateTime` is mapped to
 *   `account.leaveDate`). `leftAt` is the earliest: "hours since leaving" is then never understated.
 *   It may lie after the run (a scheduled departure); rules compare it with `asOf`.
 * - Conflicts: leave dates more than 24 h apart, HR active while a leave date has passed, HR
 *   terminated without a date, HR sources disagreeing on status.
 */

export type PersonStatus = Pick<PersonView, 'status' | 'leftAt' | 'leaveDates' | 'conflicts'>;

const DAY_MS = 86_400_000;

export function personStatus(hr: readonly Person[], accounts: readonly Account[], asOf: Date): PersonStatus {
  const now = asOf.getTime();
  const leaveDates = collectLeaveDates(hr, accounts);
  const leftAt = leaveDates[0]?.date ?? null;
  const conflicts: string[] = [];

  const spread = leaveDates.length > 1 ? Date.parse(leaveDates.at(-1)!.date) - Date.parse(leaveDates[0]!.date) : 0;
  if (spread > DAY_MS) {
    const list = leaveDates.map((d) => `${d.source} says ${when(d.date)}`).join(', ');
    conflicts.push(`leave dates disagree by ${days(spread)}: ${list}; the earliest is used`);
  }

  const stated = hr.filter((p) => p.status !== 'unknown');
  let status: PersonView['status'];
  if (stated.length > 0) {
    const kinds = new Set(stated.map((p) => p.status));
    status = kinds.has('terminated') ? 'terminated' : kinds.has('active') ? 'active' : 'future';
    if (kinds.size > 1) {
      conflicts.push(`HR sources disagree on the status: ${stated.map((p) => `${ref(p)} says ${p.status}`).join(', ')}; treated as ${status}`);
    }
    if (status === 'active' && onlyFutureHires(hr, [], now)) status = 'future';
    const passed = leaveDates.filter((d) => Date.parse(d.date) <= now);
    if (status === 'active' && passed.length > 0) {
      const by = stated.filter((p) => p.status === 'active').map(ref).join(', ');
      conflicts.push(`HR (${by}) says active, but ${passed.map((d) => `${d.source} says they left on ${when(d.date)}`).join(', ')}`);
    }
    for (const p of stated) {
      if (p.status !== 'terminated' || p.leaveDate !== null) continue;
      const other = leftAt === null ? 'hours since leaving cannot be measured' : `the leave date ${when(leftAt)} from ${leaveDates[0]!.source} is used`;
      conflicts.push(`HR (${ref(p)}) says terminated but gives no leave date; ${other}`);
    }
  } else if (leftAt !== null && Date.parse(leftAt) <= now) {
    status = 'terminated';
  } else if (onlyFutureHires(hr, accounts, now)) {
    status = 'future';
  } else {
    status = 'unknown';
  }
  return { status, leftAt, leaveDates, conflicts };
}

/** The source names used in `leaveDates`: the HR instance, or `<instance>/<field>` for accounts. */
function collectLeaveDates(hr: readonly Person[], accounts: readonly Account[]): { source: string; date: string }[] {
  // Built only for a person with a leave date (few): at 100k people, a map per person adds up.
  let seen: Map<string, { source: string; date: string }> | undefined;
  const add = (source: string, date: string): void => {
    if (Number.isNaN(Date.parse(date))) return;
    const iso = new Date(date).toISOString();
    (seen ??= new Map()).set(`${source}\u0000${iso}`, { source, date: iso });
  };
  for (const p of hr) if (p.leaveDate !== null) add(p.source.instance, p.leaveDate);
  for (const a of accounts) if (a.leaveDate !== null) add(`${a.source.instance}/${a.source.connector === 'm365' ? 'employeeLeaveDateTime' : 'leaveDate'}`, a.leaveDate);
  return seen === undefined ? [] : [...seen.values()].sort((a, b) => cmp(a.date, b.date) || cmp(a.source, b.source));
}

/** Whether the known hire dates (of the HR records, then the accounts) are all after the run, and there is one. */
function onlyFutureHires(hr: readonly Person[], accounts: readonly Account[], now: number): boolean {
  let known = false;
  for (const d of [hr, accounts]) {
    for (const { hireDate } of d) {
      if (hireDate === null) continue;
      const t = Date.parse(hireDate);
      if (Number.isNaN(t)) continue;
      if (t <= now) return false;
      known = true;
    }
  }
  return known;
}

function ref(p: Person): string {
  return p.source.instance;
}

/** `2025-02-10` for a midnight date, `2025-02-10 17:00 UTC` otherwise. */
function when(iso: string): string {
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function days(ms: number): string {
  const d = ms / DAY_MS;
  return d < 2 ? `${Math.round(ms / 3_600_000)} hours` : `${Math.round(d * 10) / 10} days`;
}
