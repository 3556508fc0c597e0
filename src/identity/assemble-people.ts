import type { Account } from '../core/model.ts';
import type { PersonView } from '../evaluate/snapshot-view.ts';
import { hrRefOf } from './anchors.ts';
import type { Anchor, AnchorIndex } from './anchors.ts';
import { personStatus } from './person-status.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';

/**
 * Turns the assembled anchors into `PersonView`s: ids, sorted lists, status and conflicts.
 *
 * Ids are stable across runs as long as the keys are: `employee:<id>`, else `email:<address>`
 * (the HR or mapped address, else the smallest of the person's addresses), else `hr:<instance>/<key>`
 * for an HR record with neither. When two people would get one id (two HR records with the same
 * employee id that could not be merged), each gets `hr:<instance>/<key>` instead; any further clash
 * (none is expected) gets a `~2`, `~3` suffix in sorted order, so ids stay unique.
 */
export function assemblePeople(index: AnchorIndex, asOf: Date): { people: PersonView[]; personOf: Map<Account, PersonView> } {
  const anchors = index.anchors.filter((a) => a.hr.length > 0 || a.links.length > 0);
  const ids = assignIds(anchors);
  const shared = sharedKeyConflicts(index, ids);

  const personOf = new Map<Account, PersonView>();
  const people = anchors.map((anchor) => {
    const hr = [...anchor.hr].sort(byRef);
    const accounts = [...anchor.links].sort((a, b) => byRef(a.account, b.account));
    const linked = accounts.map((l) => l.account);
    const state = personStatus(hr, linked, asOf);
    const id = ids.get(anchor)!;
    const view: PersonView = {
      id,
      displayName: hr.find((p) => p.displayName !== '')?.displayName ?? accountName(linked) ?? id,
      emails: [...anchor.emails].sort(cmp),
      employeeId: [...anchor.empIds][0] ?? null,
      hrRecords: hr,
      external: hr.length === 0 && linked.length > 0 && linked.every((a) => a.vendorType === 'guest'),
      status: state.status,
      leftAt: state.leftAt,
      leaveDates: state.leaveDates,
      conflicts: mergeConflicts(state.conflicts, anchor.conflicts, shared.get(anchor)),
      accounts,
    };
    for (const account of linked) personOf.set(account, view);
    return view;
  });
  people.sort((a, b) => cmp(a.id, b.id));
  return { people, personOf };
}

/** The person's conflicts without repeats; most people have none, and then nothing is allocated but the result. */
function mergeConflicts(a: readonly string[], b: readonly string[], c: readonly string[] | undefined): string[] {
  if (b.length === 0 && (c === undefined || c.length === 0)) return a.length < 2 ? [...a] : [...new Set(a)];
  return [...new Set([...a, ...b, ...(c ?? [])])];
}

/** A real name where an account has one (Entra "Ann Smith"), not an IAM user name or an address. */
function accountName(accounts: readonly Account[]): string | undefined {
  const named = accounts.find((a) => a.displayName !== '' && a.displayName !== a.username && !a.displayName.includes('@'));
  return named?.displayName ?? accounts.find((a) => a.displayName !== '')?.displayName;
}

function naturalId(a: Anchor): string {
  const [emp] = a.empIds;
  if (emp !== undefined) return `employee:${emp}`;
  const email = a.primaryEmail ?? [...a.emails].sort(cmp)[0];
  if (email !== undefined) return `email:${email}`;
  return `hr:${hrRefOf(a.hr[0]!)}`;
}

function assignIds(anchors: readonly Anchor[]): Map<Anchor, string> {
  const natural = anchors.map((a) => ({ a, id: naturalId(a) }));
  const uses = new Map<string, number>();
  for (const { id } of natural) uses.set(id, (uses.get(id) ?? 0) + 1);
  const ids = new Map<Anchor, string>();
  for (const { a, id } of natural) ids.set(a, (uses.get(id) ?? 0) > 1 && a.hr.length > 0 ? `hr:${hrRefOf([...a.hr].sort(byRef)[0]!)}` : id);

  const taken = new Map<string, number>();
  const ordered = [...ids].sort(([, x], [, y]) => cmp(x, y));
  for (const [a, id] of ordered) {
    const n = (taken.get(id) ?? 0) + 1;
    taken.set(id, n);
    if (n > 1) ids.set(a, `${id}~${n}`);
  }
  return ids;
}

/** A key that two people hold: each is told, since accounts with it are not linked by it. */
function sharedKeyConflicts(index: AnchorIndex, ids: ReadonlyMap<Anchor, string>): Map<Anchor, string[]> {
  const out = new Map<Anchor, string[]>();
  for (const [key, holders] of index.shared()) {
    const what = key.startsWith('emp:') ? `employee id ${key.slice(4)}` : `e-mail ${key.slice(6)}`;
    for (const a of holders) {
      const others = holders.filter((x) => x !== a).map((x) => ids.get(x) ?? x.label);
      out.set(a, [...(out.get(a) ?? []), `${what} is also held by ${others.join(', ')}; accounts are not linked by it alone`]);
    }
  }
  return out;
}

function byRef(a: { source: { instance: string }; key: string }, b: { source: { instance: string }; key: string }): number {
  return cmp(a.source.instance, b.source.instance) || cmp(a.key, b.key);
}
