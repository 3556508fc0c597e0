import type { Account, EntityKind, EntityOf } from '../core/model.ts';
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

