import type { Account, EntityKind, EntityOf, Person } from '../core/model.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';

/**
 * The read-only picture of one stored run that rules evaluate. It is built from the store alone
 * (never the network), so re-evaluating a run gives the same results.
 */
export interface SnapshotView {
  org: string;
  runId: number;
  /** When the run collected its data; rules measure ages ("90 days without sign-in") from here, never from the wall clock. */
  asOf: Date;
  /** The connector instances of this org that recorded at least one stream outcome in this run. */
  sources: readonly SourceInfo[];
  /** Sorted by (instance, key), so results never depend on the order the store returned rows in. */
  entities<K extends EntityKind>(kind: K): readonly EntityOf<K>[];
  /** Look-up by stable key within one connector instance. */
  find<K extends EntityKind>(kind: K, instance: string, key: string): EntityOf<K> | undefined;
  outcomes: readonly StreamOutcome[];
  /**
   * Whether every stream that yields `kind` can be relied on for a rule reading `fields` (default none:
   * then only failures tied to a field are tolerated). No stream of `kind` at all is unusable.
   */
  availability(kind: EntityKind, fields?: readonly string[]): Availability;
  /** The class a rule must respect (break-glass, service, guest…), with the reason it was given. */
  accountClass(account: Account): AccountClassification;
  /** Hashes of the raw pages behind the streams that yield `kind`, sorted and deduplicated. */
  evidenceFor(kind: EntityKind): string[];
  /**
   * People: accounts across systems linked by explicit mappings, employee ids and normalised
   * e-mail addresses (src/identity), with what HR sources say about them. Sorted by id.
   */
  people(): readonly PersonView[];
  /** The person an account was linked to, if any (by object: pass accounts this view returned). */
  personOf(account: Account): PersonView | undefined;
  /** Accounts linked to no person, each with why (never dropped silently). */
  unmatchedAccounts(): readonly { account: Account; why: string }[];
  /**
   * A value computed from this view alone, built on first use and then shared by every rule and
   * inventory asking with the same key: the snapshot never changes, and at 100k users an index
   * such as the MFA records by account costs tens of megabytes each time it is built.
   */
  derived<T>(key: DerivedKey<T>, build: (view: SnapshotView) => T): T;
}

/** Names one derived value (`SnapshotView.derived`); the same object must be passed every time. */
export interface DerivedKey<T> {
  readonly description: string;
  /** Only carries the value's type. */
  readonly type?: T;
}

/** One human being as the evidence shows them across systems. */
export interface PersonView {
  /**
   * Stable across runs: `employee:<id>` when an employee id is known, else `email:<address>`, else
   * `hr:<instance>/<key>` (an HR record with neither, or two HR records that would share an id).
   */
  id: string;
  displayName: string;
  emails: readonly string[];
  employeeId: string | null;
  /** HR records (person entities) describing this person; empty when no HR source knows them. */
  hrRecords: readonly Person[];
  /** No HR record and only guest accounts: someone from outside (a partner, a contractor's own identity). */
  external: boolean;
  /**
   * HR's word when an HR source states one (`active` with a start after the run is `future`); else
   * `terminated` when an account's leave date has passed, `future` when every hire date is after the
   * run, and `unknown` otherwise: an enabled account alone does not prove someone is employed.
   */
  status: 'active' | 'terminated' | 'future' | 'unknown';
  /** When they left (the earliest leave date any source gives; may be after the run when scheduled), or null. */
  leftAt: string | null;
  /** Every source's leave date, e.g. `{ source: 'hr-csv', date }` or `{ source: 'm365-main/employeeLeaveDateTime', date }`. */
  leaveDates: readonly { source: string; date: string }[];
  /** One sentence per disagreement between sources (two leave dates, HR active but leave date set…). */
  conflicts: readonly string[];
  /** Every linked account, with the reason for the link ("same employee id 1042", "mapped in config"). */
  accounts: readonly { account: Account; why: string }[];
}

export interface SourceInfo {
  connector: string;
  instance: string;
}

export interface Availability {
  usable: boolean;
  /** Why not, one line per blocking stream; or that no configured connector collects this kind. */
  reasons: string[];
}

/** `root`: a cloud account's root user (AWS), judged by the root-account rule, not by MFA coverage. */
export const ACCOUNT_CLASSES = ['human', 'guest', 'service', 'shared_mailbox', 'break_glass', 'root', 'disabled', 'future_hire'] as const;
export type AccountClass = (typeof ACCOUNT_CLASSES)[number];

export interface AccountClassification {
  class: AccountClass;
  why: string;
}

