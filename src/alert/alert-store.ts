import type { AlertMessage, MessageKind } from './alert-message.ts';
import type { EventType, ObservedFinding, Severity } from './finding.ts';

/**
 * Alert state and the outbox. The SQLite implementation (src/store/sqlite/alert-store.ts) keeps both
 * in the evidence database, so a finding's state change and the messages it causes are written in
 * one transaction: after a crash either both happened or neither, and a message is neither lost
 * nor enqueued twice.
 */
export interface AlertStore {
  /**
   * Reads the org's findings and applies what `decide` returns, all in one write transaction
   * (`decide` is synchronous and pure). Returns what was applied. A finding written as open that
   * was not open before (it opens again) supersedes its unsent resolved notices on every channel
   * in the same transaction: they are never sent (`supersededAt`), so no path (digest, quiet
   * hours, retry) can tell anyone the problem is gone while it is open.
   */
  transition(org: string, decide: (findings: readonly StoredFinding[]) => FindingChanges): Promise<FindingChanges>;
  /**
   * Leases up to `limit` undelivered, not given-up, not superseded messages whose next attempt is due, for `leaseMs`
   * (another process delivering at the same time skips them). Oldest first.
   */
  claimDue(now: Date, leaseMs: number, limit?: number): Promise<OutboxRow[]>;
  /**
   * Leases, like `claimDue` but whatever their next attempt time, the undelivered, not given-up,
   * unleased single messages of `findingId` on `channel` enqueued before `beforeId` (for each
   * entry). Quiet hours use it so that an alert breaking through is not overtaken by an earlier
   * notice of the same finding that they hold (see `deliverDue`). Oldest first.
   */
  claimEarlier(of: readonly { findingId: string; channel: string; beforeId: number }[], now: Date, leaseMs: number): Promise<OutboxRow[]>;
  /**
   * Right before a send: extends the lease on every one of `ids` from `heldUntil` (what this
   * deliverer's claim set) to `until`, if it still holds all of them. Returns false and changes
   * nothing when one was taken over by another deliverer after the lease ran out, or was settled:
   * the caller must not send then.
   */
  renewLease(ids: readonly number[], heldUntil: string, until: string): Promise<boolean>;
  /** Records one attempt for each message (a digest sends several in one request). */
  recordAttempt(ids: readonly number[], attempt: AttemptResult): Promise<void>;
  /** Holds messages until `until` without counting an attempt (quiet hours), and releases their lease. */
  postpone(ids: readonly number[], until: string): Promise<void>;
  /**
   * Retention (`retention.alertDeliveriesDays`): deletes messages delivered, given up or superseded before
   * `olderThan` with their attempts, and findings resolved before it that no kept message names.
   * Never a message still due or leased, never an open finding (its row is what keeps an old
   * problem from alerting again as new).
   */
  prune(olderThan: Date): Promise<AlertPruneResult>;
  listFindings(filter?: { org?: string; state?: FindingState }): Promise<StoredFinding[]>;
  listOutbox(filter?: { undeliveredOnly?: boolean }): Promise<OutboxRow[]>;
  listAttempts(outboxId: number): Promise<AttemptRow[]>;
  close(): Promise<void>;
}

export type FindingState = 'open' | 'resolved';

/** A finding as the alert state keeps it: what was last observed, plus its alerting history. */
export interface StoredFinding extends ObservedFinding {
  state: FindingState;
  /** Start of the current episode (reset when a resolved finding reopens). */
  firstSeenAt: string;
  lastSeenAt: string;
  lastAlertedAt: string | null;
  resolvedAt: string | null;
  lastRunId: number | null;
}

export type DeliveryMode = 'single' | 'digest';

export interface OutboxInput {
  findingId: string | null;
  org: string;
  kind: MessageKind;
  channel: string;
  severity: Severity;
  mode: DeliveryMode;
  message: AlertMessage;
  /** First attempt not before this (the digest window's end; now otherwise). */
  notBefore: string;
}

export interface OutboxRow extends OutboxInput {
  id: number;
  /** Sent with every attempt (`X-Evidentia-Delivery`, the message's `deliveryId`), so a receiver can drop a repeat after a crash between sending and recording. */
  deliveryId: string;
  createdAt: string;
  /** Every attempt recorded, interrupted ones included (the attempt log numbers them 1, 2, …). */
  attempts: number;
  /**
   * How many of `attempts` were cut by shutdown (`interrupt`). They are not the receiver's failures:
   * they do not count toward `retry.maxAttempts` and do not lengthen the backoff.
   */
  interruptions: number;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
  gaveUpAt: string | null;
  /** Until when a deliverer holds the message (set by `claimDue`); null when nobody does. */
  leaseUntil: string | null;
  /**
   * Set on a resolved notice that was still unsent when its finding opened again: it is never sent
   * (it would say the problem is gone while it is open). Settled, like delivered or given up.
   */
  supersededAt: string | null;
  /** Why it was superseded, e.g. "the finding opened again at … (run 3) before this resolved notice was sent". */
  supersededReason: string | null;
}

export interface FindingChanges {
  /** Findings to insert or replace, whole. */
  findings: StoredFinding[];
  outbox: OutboxInput[];
  /** What happened to which finding (for reports; not stored beyond the findings and outbox). */
  events: { kind: 'alert' | 'reminder' | 'resolved'; findingId: string }[];
}

export type AttemptResult =
  | { ok: true; at: string }
  /**
   * `nextAttemptAt: null`: give up (after the last allowed attempt). The error is already scrubbed.
   * `interrupted`: cut short by the daemon stopping, not failed by the receiver.
   */
  | { ok: false; at: string; error: string; nextAttemptAt: string | null; interrupted?: boolean };

export interface AttemptRow {
  outboxId: number;
  attempt: number;
  at: string;
  ok: boolean;
  error: string | null;
  /** The send was aborted because the daemon was stopping; the message stayed due. */
  interrupted: boolean;
}

/** What one alert retention pass deleted. */
export interface AlertPruneResult {
  /** Outbox messages (delivered, given up, or superseded resolved notices). */
  deliveries: number;
  attempts: number;
  /** Resolved findings. */
  findings: number;
}
