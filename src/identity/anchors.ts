import type { Account, Person } from '../core/model.ts';

/**
 * A person being assembled: the HR records and accounts known to be them, and the keys (employee
 * ids, normalised e-mail addresses) by which further accounts may join. The index answers "which
 * people hold this key"; more than one answer is an ambiguity that is reported, never resolved by
 * picking one.
 */
export interface Anchor {
  hr: Person[];
  /** At most one: a second, different id is a conflict, not a key (see correlate.ts). */
  empIds: Set<string>;
  emails: Set<string>;
  links: { account: Account; why: string }[];
  conflicts: string[];
  /** How whys name this person before ids are assigned ("HR record hr-csv/17 (Ann Smith)"). */
  label: string;
  /** The address the person's id is made of when there is no employee id (the HR or mapped one, else the smallest). */
  primaryEmail: string | null;
}

export type Key = `emp:${string}` | `email:${string}`;

export class AnchorIndex {
  readonly anchors: Anchor[] = [];
  // One map per kind of key, keyed by the normalised value itself: a composite `email:…` key would
  // be a new string at every look-up, for every account in every pass (~100k per pass at 100k users).
  readonly #byEmp = new Map<string, Anchor[]>();
  readonly #byEmail = new Map<string, Anchor[]>();
  /** When each key was first seen, across both maps: `shared()` keeps insertion order. */
  readonly #firstSeen = new Map<Anchor[], number>();

  add(anchor: Anchor): Anchor {
    this.anchors.push(anchor);
    for (const id of anchor.empIds) this.#put(this.#byEmp, id, anchor);
    for (const e of anchor.emails) this.#put(this.#byEmail, e, anchor);
    return anchor;
  }

  get(key: Key): readonly Anchor[] {
    return key.startsWith('emp:') ? this.withEmployeeId(key.slice(4)) : this.withEmail(key.slice(6));
  }

  withEmployeeId(id: string): readonly Anchor[] {
    return this.#byEmp.get(id) ?? NONE;
  }

  withEmail(address: string): readonly Anchor[] {
    return this.#byEmail.get(address) ?? NONE;
  }

  learnEmail(anchor: Anchor, email: string): void {
    if (anchor.emails.has(email)) return;
    anchor.emails.add(email);
    this.#put(this.#byEmail, email, anchor);
  }

  learnEmployeeId(anchor: Anchor, id: string): void {
    if (anchor.empIds.size > 0) return;
    anchor.empIds.add(id);
    this.#put(this.#byEmp, id, anchor);
  }

  /** Keys held by more than one person, in insertion order. */
  shared(): [Key, readonly Anchor[]][] {
    const out: [Key, Anchor[], number][] = [];
    for (const [id, list] of this.#byEmp) if (list.length > 1) out.push([`emp:${id}`, list, this.#firstSeen.get(list)!]);
    for (const [e, list] of this.#byEmail) if (list.length > 1) out.push([`email:${e}`, list, this.#firstSeen.get(list)!]);
    return out.sort((a, b) => a[2] - b[2]).map(([key, list]) => [key, list]);
  }

  #put(map: Map<string, Anchor[]>, key: string, anchor: Anchor): void {
    const list = map.get(key);
    if (!list) {
      const created = [anchor];
      map.set(key, created);
      this.#firstSeen.set(created, this.#firstSeen.size);
    } else if (!list.includes(anchor)) list.push(anchor);
  }
}

const NONE: readonly Anchor[] = Object.freeze([]);

export function newAnchor(label: string, keys: { empId?: string | null; emails?: Iterable<string> } = {}): Anchor {
  const emails = new Set(keys.emails ?? []);
  return {
    hr: [],
    empIds: new Set(keys.empId ? [keys.empId] : []),
    emails,
    links: [],
    conflicts: [],
    label,
    primaryEmail: [...emails][0] ?? null,
  };
}

export function hrRefOf(p: Person): string {
  return `${p.source.instance}/${p.key}`;
}

interface HrKeys {
  person: Person;
  empId: string | null;
  email: string | null;
}

/**
 * HR records become people. Records sharing an employee id or e-mail are one person when they
 * do not contradict each other (at most one id and one address among them): the same employee in
 * two HR systems. A group that does contradict (two records with one e-mail but different ids, say)
 * is not merged: each record stays its own person, and the shared key then names two people, so
 * accounts holding it are left unmatched with both named.
 */
export function hrAnchors(records: readonly HrKeys[]): Anchor[] {
  const parent = records.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const firstWith = new Map<string, number>();
  records.forEach((r, i) => {
    for (const key of [r.empId && `emp:${r.empId}`, r.email && `email:${r.email}`]) {
      if (!key) continue;
      const j = firstWith.get(key);
      if (j === undefined) firstWith.set(key, i);
      else parent[find(i)] = find(j);
    }
  });
  const groups = new Map<number, HrKeys[]>();
  records.forEach((r, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(r);
    else groups.set(root, [r]);
  });

  const anchors: Anchor[] = [];
  for (const group of groups.values()) {
    const ids = new Set(group.flatMap((r) => (r.empId ? [r.empId] : [])));
    const emails = new Set(group.flatMap((r) => (r.email ? [r.email] : [])));
    if (ids.size <= 1 && emails.size <= 1) {
      const a = newAnchor(hrLabel(group[0]!.person), { empId: [...ids][0] ?? null, emails });
      a.hr.push(...group.map((r) => r.person));
      anchors.push(a);
      continue;
    }
    const names = group.map((r) => hrLabel(r.person)).join(', ');
    for (const r of group) {
      const a = newAnchor(hrLabel(r.person), { empId: r.empId, emails: r.email ? [r.email] : [] });
      a.hr.push(r.person);
      a.conflicts.push(`HR records ${names} share an employee id or e-mail but disagree on the other, so they are kept apart`);
      anchors.push(a);
    }
  }
  return anchors;
}

function hrLabel(p: Person): string {
  return `HR record ${hrRefOf(p)} (${p.displayName})`;
}
