import type { Account, Person } from '../core/model.ts';
import type { AccountClass, AccountClassification, PersonView } from '../evaluate/snapshot-view.ts';
import { addressesOf } from './account-addresses.ts';
import type { AccountAddress } from './account-addresses.ts';
import { AnchorIndex, hrAnchors, newAnchor } from './anchors.ts';
import type { Anchor, Key } from './anchors.ts';
import { assemblePeople } from './assemble-people.ts';
import { createMappingLookup } from './mappings.ts';
import type { IdentityMapping, IdentityOptions } from './mappings.ts';
import { createEmailNormaliser, normaliseEmployeeId } from './normalise.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';

/**
 * Links accounts across systems into people. Every link records why it was made; every account
 * that is not linked is listed with why; nothing is guessed when two people fit.
 *
 * Order (each step only sees accounts the earlier ones left):
 * 1. Accounts that are not people (class service, shared mailbox, root, break-glass, also when
 *    disabled) are listed as unmatched with their class's why. Guests are people: each is an outside
 *    person of their own (`external`), joined to others only by the same keys as anyone.
 * 2. HR `person` records anchor people (see `hrAnchors`).
 * 3. `identity.mappings` link the accounts they name, creating the person if no one holds the key.
 * 4. Employee id, then normalised e-mail, against the people so far (HR and mapped). Keys of
 *    linked accounts are learned (an account linked by employee id teaches its addresses), and this
 *    repeats until nothing changes; each pass decides against the keys known at its start, so the
 *    result does not depend on account order.
 * 5. Accounts left with an employee id form people by that id; step 4 repeats for the rest.
 * 6. Accounts left with an address form people by shared addresses; the rest have no key at all.
 *
 * Employee ids: one namespace per organisation is assumed (Entra `employeeId`, Google's
 * `organization` external id and HR numbers are usually all provisioned from HR). Where a system
 * numbers differently, ids collide across people; that shows up, never silently: an account whose
 * employee id points to one person and whose e-mail to another is unmatched naming both, an id held
 * by two HR records is not used, and an account linked by e-mail whose id differs from the person's
 * adds a conflict. The fix is `identity.mappings`.
 */

export interface CorrelateInput {
  accounts: readonly Account[];
  /** HR records (`person` entities). */
  persons: readonly Person[];
  config?: IdentityOptions | undefined;
  /** The view's classifier (`view.accountClass`), so rules and correlation agree on who is a person. */
  classify: (account: Account) => AccountClassification;
  /** The run's time: statuses and "leave date has passed" are measured from it. */
  asOf: Date;
}

export interface UnmatchedAccount {
  account: Account;
  why: string;
}

export interface Correlation {
  /** Sorted by id. */
  people: readonly PersonView[];
  personOf: ReadonlyMap<Account, PersonView>;
  /** Sorted by (instance, key). */
  unmatched: readonly UnmatchedAccount[];
  /** Mappings that named no account of this snapshot (a typo, or an account that was deleted). */
  unusedMappings: readonly IdentityMapping[];
}

const NOT_PEOPLE: ReadonlyMap<AccountClass, string> = new Map([
  ['service', 'service account'],
  ['shared_mailbox', 'shared mailbox'],
  ['root', 'root user'],
  ['break_glass', 'break-glass account'],
]);

interface Facts {
  empId: string | null;
  addresses: AccountAddress[];
}

type Resolution = { link: Anchor; why: string } | { ambiguous: string } | null;

const NO_ANCHORS: readonly Anchor[] = Object.freeze([]);

class Correlator {
  readonly index = new AnchorIndex();
  readonly unmatched: UnmatchedAccount[] = [];
  readonly #facts = new Map<Account, Facts>();
  readonly #normalise: (raw: string | null | undefined) => string | null;

  constructor(config: IdentityOptions) {
    this.#normalise = createEmailNormaliser(config.domainAliases);
  }

  normalise(raw: string | null): string | null {
    return this.#normalise(raw);
  }

  facts(account: Account): Facts {
    let f = this.#facts.get(account);
    if (!f) {
      f = { empId: normaliseEmployeeId(account.employeeId), addresses: addressesOf(account, this.#normalise) };
      this.#facts.set(account, f);
    }
    return f;
  }

  unmatch(account: Account, why: string): void {
    this.unmatched.push({ account, why });
  }

  /** Linking and learning are split so a pass decides against the keys known at its start. */
  link(anchor: Anchor, account: Account, why: string): void {
    anchor.links.push({ account, why });
  }

  learn(anchor: Anchor, account: Account): void {
    const f = this.facts(account);
    for (const a of f.addresses) this.index.learnEmail(anchor, a.address);
    if (f.empId === null) return;
    const [own] = anchor.empIds;
    if (own === undefined) this.index.learnEmployeeId(anchor, f.empId);
    else if (own !== f.empId) anchor.conflicts.push(`${refOf(account)} carries employee id ${f.empId}, but the person's employee id is ${own}`);
  }

  resolve(account: Account): Resolution {
    const f = this.facts(account);
    const byEmp = f.empId === null ? NO_ANCHORS : this.index.withEmployeeId(f.empId);
    // Most accounts in a pass match nothing: that case allocates nothing.
    let hits: { address: string; field: string; anchors: readonly Anchor[] }[] | null = null;
    for (const a of f.addresses) {
      const anchors = this.index.withEmail(a.address);
      if (anchors.length > 0) (hits ??= []).push({ address: a.address, field: a.field, anchors });
    }
    if (hits === null) {
      if (byEmp.length === 0) return null;
      hits = [];
    }
    const byEmail = hits.length === 1 ? hits[0]!.anchors : [...new Set(hits.flatMap((h) => h.anchors))];
    if (byEmp.length === 1) {
      const target = byEmp[0]!;
      const other = hits.find((h) => h.anchors.some((x) => x !== target));
      if (other) {
        const elsewhere = other.anchors.filter((x) => x !== target);
        return { ambiguous: `employee id ${f.empId} points to ${target.label}, but ${other.field} ${other.address} points to ${names(elsewhere)}` };
      }
      return { link: target, why: `same employee id ${f.empId}${asHr(target)}` };
    }
    if (byEmail.length === 1) {
      const target = byEmail[0]!;
      if (byEmp.length > 1 && !byEmp.includes(target)) {
        return { ambiguous: `employee id ${f.empId} is held by ${names(byEmp)}, and ${hits[0]!.field} ${hits[0]!.address} points to ${target.label}` };
      }
      const unused = byEmp.length > 1 ? `; employee id ${f.empId} is held by more than one person, so it was not used` : '';
      return { link: target, why: `same e-mail ${hits[0]!.address} (${hits[0]!.field})${asHr(target)}${unused}` };
    }
    if (byEmail.length > 1) {
      const shared = hits.find((h) => h.anchors.length > 1);
      if (shared) return { ambiguous: `${shared.field} ${shared.address} matches more than one person: ${names(shared.anchors)}` };
      return { ambiguous: `its addresses point to different people: ${hits.map((h) => `${h.field} ${h.address} → ${h.anchors[0]!.label}`).join('; ')}` };
    }
    if (byEmp.length > 1) return { ambiguous: `employee id ${f.empId} is held by more than one person: ${names(byEmp)}` };
    return null;
  }

  /** Step 4: repeats until a pass links nothing; returns the accounts still without a decision. */
  attach(pending: readonly Account[]): Account[] {
    let left = [...pending];
    for (;;) {
      // Every decision of a pass is made before any is applied (see `link`).
      const decided = left.map((account) => this.resolve(account));
      const linked: { anchor: Anchor; account: Account }[] = [];
      const before = left;
      left = [];
      for (let i = 0; i < before.length; i++) {
        const account = before[i]!;
        const r = decided[i]!;
        if (r === null) left.push(account);
        else if ('ambiguous' in r) this.unmatch(account, `${r.ambiguous}; not guessed: ${mapHint(account)}`);
        else {
          this.link(r.link, account, r.why);
          linked.push({ anchor: r.link, account });
        }
      }
      for (const { anchor, account } of linked) this.learn(anchor, account);
      if (linked.length === 0) return left;
    }
  }
}

export function correlate(input: CorrelateInput): Correlation {
  const config = input.config ?? {};
  const c = new Correlator(config);
  const mappings = createMappingLookup(config.mappings);
  const used = new Set<IdentityMapping>();

  const persons = [...input.persons].sort(byRef);
  for (const a of hrAnchors(persons.map((p) => ({ person: p, empId: normaliseEmployeeId(p.employeeId), email: c.normalise(p.email) })))) c.index.add(a);

  const mapped: { account: Account; ms: readonly IdentityMapping[] }[] = [];
  let pending: Account[] = [];
  for (const account of [...input.accounts].sort(byRef)) {
    const ms = mappings.of(account);
    for (const m of ms) used.add(m);
    const notPerson = notAPerson(account, input.classify);
    if (notPerson !== null) {
      const ignored = ms[0] ? `; its identity.mappings entry ${ms[0].account} → ${ms[0].person} is not applied (an account cannot be both: remove one)` : '';
      c.unmatch(account, notPerson + ignored);
    } else if (ms.length > 0) mapped.push({ account, ms });
    else pending.push(account);
  }

  linkMapped(c, mapped);
  pending = c.attach(pending);
  pending = c.attach(seedByEmployeeId(c, pending));
  seedByEmail(c, pending);

  const { people, personOf } = assemblePeople(c.index, input.asOf);
  const unusedMappings = (config.mappings ?? []).filter((m) => !used.has(m));
  const unmatched = c.unmatched.sort((a, b) => byRef(a.account, b.account));
  return { people, personOf, unmatched, unusedMappings };
}

/** Step 3. Mapped accounts learn their keys only after all mappings, so config order does not matter. */
function linkMapped(c: Correlator, mapped: readonly { account: Account; ms: readonly IdentityMapping[] }[]): void {
  const linked: { anchor: Anchor; account: Account }[] = [];
  for (const { account, ms } of mapped) {
    const targets = new Map<Key, IdentityMapping>();
    for (const m of ms) {
      const key = personKey(c, m.person);
      if (key !== null && !targets.has(key)) targets.set(key, m);
    }
    if (targets.size !== 1) {
      const why = targets.size === 0 ? `identity.mappings names "${ms[0]!.person}", which is neither an e-mail address nor an employee id` : `identity.mappings link it to more than one person (${ms.map((m) => m.person).join(', ')}); not guessed: keep one mapping`;
      c.unmatch(account, why);
      continue;
    }
    const [key, m] = [...targets][0]!;
    const found = c.index.get(key);
    if (found.length > 1) {
      c.unmatch(account, `identity.mappings names ${m.person}, which matches more than one person: ${names(found)}; not guessed: name the person by another key`);
      continue;
    }
    const label = key.startsWith('emp:') ? `the person with employee id ${key.slice(4)}` : `the person with e-mail ${key.slice(6)}`;
    const anchor = found[0] ?? c.index.add(newAnchor(label, key.startsWith('emp:') ? { empId: key.slice(4) } : { emails: [key.slice(6)] }));
    c.link(anchor, account, `mapped in config: identity.mappings ${m.account} → ${m.person}${m.note ? ` (${m.note})` : ''}`);
    linked.push({ anchor, account });
  }
  for (const { anchor, account } of linked) c.learn(anchor, account);
}

/** Step 5: accounts no one else knows, sharing an employee id, are one person. */
function seedByEmployeeId(c: Correlator, pending: readonly Account[]): Account[] {
  const groups = new Map<string, Account[]>();
  const rest: Account[] = [];
  for (const account of pending) {
    const id = c.facts(account).empId;
    if (id === null) rest.push(account);
    else {
      const group = groups.get(id);
      if (group) group.push(account);
      else groups.set(id, [account]);
    }
  }
  for (const [id, accounts] of [...groups].sort(([a], [b]) => cmp(a, b))) {
    const anchor = c.index.add(newAnchor(`the person with employee id ${id}`, { empId: id }));
    const why = accounts.length > 1 ? `same employee id ${id}` : `employee id ${id}; no HR record or other account has it`;
    for (const account of accounts) c.link(anchor, account, why);
    for (const account of accounts) c.learn(anchor, account);
  }
  return rest;
}

/** Step 6: accounts sharing an address are one person; an account with no key stays unmatched. */
function seedByEmail(c: Correlator, pending: readonly Account[]): void {
  const parent = new Map<Account, Account>();
  const find = (a: Account): Account => {
    const p = parent.get(a)!;
    if (p === a) return a;
    const root = find(p);
    parent.set(a, root);
    return root;
  };
  const owner = new Map<string, Account>();
  const count = new Map<string, number>();
  for (const account of pending) {
    const { addresses } = c.facts(account);
    if (addresses.length === 0) {
      c.unmatch(account, `no employee id and no e-mail address to link it by; ${mapHint(account)}`);
      continue;
    }
    parent.set(account, account);
    for (const { address } of addresses) {
      count.set(address, (count.get(address) ?? 0) + 1);
      const first = owner.get(address);
      if (first === undefined) owner.set(address, account);
      else parent.set(find(account), find(first));
    }
  }
  const groups = new Map<Account, Account[]>();
  for (const account of parent.keys()) {
    const root = find(account);
    const group = groups.get(root);
    if (group) group.push(account);
    else groups.set(root, [account]);
  }
  for (const accounts of groups.values()) {
    const emails = [...new Set(accounts.flatMap((a) => c.facts(a).addresses.map((x) => x.address)))].sort(cmp);
    const anchor = c.index.add(newAnchor(`the person with e-mail ${emails[0]}`, { emails }));
    for (const account of accounts) {
      const addresses = c.facts(account).addresses;
      const shared = addresses.find((x) => (count.get(x.address) ?? 0) > 1);
      const why = shared ? `same e-mail ${shared.address} (${shared.field})` : `e-mail ${addresses[0]!.address} (${addresses[0]!.field}); no HR record or other account has it`;
      c.link(anchor, account, why);
    }
  }
}

/** Why an account is not a person, or null. A disabled service account is still not a person. */
function notAPerson(account: Account, classify: (account: Account) => AccountClassification): string | null {
  const c = classify(account);
  const what = NOT_PEOPLE.get(c.class);
  if (what !== undefined) return `${what}, not linked to a person: ${c.why}`;
  if (c.class !== 'disabled') return null;
  const underlying = classify({ ...account, enabled: true });
  const was = NOT_PEOPLE.get(underlying.class);
  return was === undefined ? null : `disabled ${was}, not linked to a person: ${underlying.why}`;
}

function personKey(c: Correlator, value: string): Key | null {
  const email = c.normalise(value);
  if (email !== null) return `email:${email}`;
  const id = normaliseEmployeeId(value);
  return id === null ? null : `emp:${id}`;
}

function asHr(anchor: Anchor): string {
  return anchor.hr.length > 0 ? ` as ${anchor.label}` : '';
}

function names(anchors: readonly Anchor[]): string {
  const labels = anchors.map((a) => a.label);
  return labels.length <= 2 ? labels.join(' and ') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`;
}

function mapHint(account: Account): string {
  return `add "${account.source.instance}/${account.username}" to identity.mappings to link it to a person`;
}

function refOf(account: Account): string {
  return `${account.source.instance}/${account.username}`;
}

function byRef(a: { source: { instance: string }; key: string }, b: { source: { instance: string }; key: string }): number {
  return cmp(a.source.instance, b.source.instance) || cmp(a.key, b.key);
}
