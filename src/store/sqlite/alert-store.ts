import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { AgentError } from '../../core/errors.ts';
import type { AlertMessage } from '../../alert/alert-message.ts';
import type { AlertPruneResult, AlertStore, AttemptResult, AttemptRow, FindingChanges, FindingState, OutboxInput, OutboxRow, StoredFinding } from '../../alert/alert-store.ts';
import { pruneAlertHistory } from './alert-retention.ts';
import { openDatabase } from './open-database.ts';
import { toAgentError } from './sqlite-errors.ts';
import type { ErrorContext } from './sqlite-errors.ts';

/**
 * The alert store in the evidence database file (`openDatabase` applies migration `alerts`). It
 * has its own connection: the daemon and a CLI command may both hold one (WAL), and every write is
 * one IMMEDIATE transaction.
 */
export async function openSqliteAlertStore(path: string, opts: { busyTimeoutMs?: number } = {}): Promise<AlertStore> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  const { db, where } = openDatabase(path, busyTimeoutMs);
  return new SqliteAlertStore(db, { where, busyTimeoutMs });
}

interface FindingRow {
  id: string;
  org: string;
  type: string;
  rule: string | null;
  subject: string;
  label: string;
  scope: string;
  severity: string;
  detail: string;
  state: string;
  first_seen_at: string;
  last_seen_at: string;
  last_alerted_at: string | null;
  resolved_at: string | null;
  last_run_id: number | null;
}

interface OutboxDbRow {
  id: number;
  delivery_id: string;
  finding_id: string | null;
  org: string;
  kind: string;
  channel: string;
  severity: string;
  mode: string;
  message_json: string;
  created_at: string;
  attempts: number;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
  gave_up_at: string | null;
  lease_until: string | null;
  superseded_at: string | null;
  superseded_reason: string | null;
  /** Computed (see OUTBOX_COLUMNS), not stored. */
  interruptions: number;
}

/**
 * Every outbox column, plus how many of the message's attempts were interrupted by shutdown: the
 * attempt log is the one record of that, so an upgraded database counts its old interrupted
 * attempts right too (they do not count toward give-up or backoff; see `OutboxRow.interruptions`).
 */
const OUTBOX_COLUMNS = `o.*, (SELECT COUNT(*) FROM alert_attempts a WHERE a.outbox_id = o.id AND a.interrupted = 1) AS interruptions`;

class SqliteAlertStore implements AlertStore {
  readonly #db: Database;
  readonly #ctx: ErrorContext;

  constructor(db: Database, ctx: ErrorContext) {
    this.#db = db;
    this.#ctx = ctx;
  }

  async transition(org: string, decide: (findings: readonly StoredFinding[]) => FindingChanges): Promise<FindingChanges> {
    return this.#guard('record alert findings', () =>
      this.#db
        .transaction(() => {
          const current = this.#db.prepare<[string], FindingRow>('SELECT * FROM alert_findings WHERE org = ? ORDER BY id').all(org).map(toFinding);
          const changes = decide(current);
          const upsert = this.#db.prepare(
            `INSERT INTO alert_findings (id, org, type, rule, subject, label, scope, severity, detail, state, first_seen_at, last_seen_at, last_alerted_at, resolved_at, last_run_id)
             VALUES (@id, @org, @type, @rule, @subject, @label, @scope, @severity, @detail, @state, @firstSeenAt, @lastSeenAt, @lastAlertedAt, @resolvedAt, @lastRunId)
             ON CONFLICT (id) DO UPDATE SET label = excluded.label, scope = excluded.scope, severity = excluded.severity, detail = excluded.detail,
               state = excluded.state, first_seen_at = excluded.first_seen_at, last_seen_at = excluded.last_seen_at,
               last_alerted_at = excluded.last_alerted_at, resolved_at = excluded.resolved_at, last_run_id = excluded.last_run_id`,
          );
          for (const f of changes.findings) {
            if (f.org !== org) throw new AgentError('internal', `alert finding ${f.id} belongs to ${f.org}, not ${org}`);
            upsert.run(f);
          }
          this.#insertOutbox(changes.outbox);
          this.#supersedeResolved(current, changes.findings);
          return changes;
        })
        .immediate(),
    );
  }

  /**
   * A finding that opens again makes its unsent resolved notices (any channel, any mode) stale:
   * they are marked superseded and never sent. Done here, in the transaction that opens the
   * finding, so no deliverer can claim one in between, whatever path (digest, quiet hours, retry)
   * would have sent it. A deliverer already holding one finds it settled when it renews its lease.
   */
  #supersedeResolved(before: readonly StoredFinding[], after: readonly StoredFinding[]): void {
    const was = new Map(before.map((f) => [f.id, f.state]));
    const supersede = this.#db.prepare(
      `UPDATE alert_outbox SET superseded_at = ?, superseded_reason = ?, lease_until = NULL
       WHERE finding_id = ? AND kind = 'resolved' AND delivered_at IS NULL AND gave_up_at IS NULL AND superseded_at IS NULL`,
    );
    for (const f of after) {
      if (f.state !== 'open' || was.get(f.id) === 'open') continue;
      const run = f.lastRunId !== null ? ` (run ${f.lastRunId})` : '';
      supersede.run(f.firstSeenAt, `the finding opened again at ${f.firstSeenAt}${run} before this resolved notice was sent`, f.id);
    }
  }

  #insertOutbox(items: readonly OutboxInput[]): void {
    const insert = this.#db.prepare(
      `INSERT INTO alert_outbox (delivery_id, finding_id, org, kind, channel, severity, mode, message_json, created_at, next_attempt_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const o of items) insert.run(randomUUID(), o.findingId, o.org, o.kind, o.channel, o.severity, o.mode, JSON.stringify(o.message), o.message.at, o.notBefore);
  }

  async claimDue(now: Date, leaseMs: number, limit = 500): Promise<OutboxRow[]> {
    const at = now.toISOString();
    return this.#guard('claim due alert messages', () =>
      this.#db
        .transaction(() => {
          const rows = this.#db
            .prepare<[string, string, number], OutboxDbRow>(
              `SELECT ${OUTBOX_COLUMNS} FROM alert_outbox o
               WHERE delivered_at IS NULL AND gave_up_at IS NULL AND superseded_at IS NULL AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?)
               ORDER BY id LIMIT ?`,
            )
            .all(at, at, limit);
          const lease = this.#db.prepare('UPDATE alert_outbox SET lease_until = ? WHERE id = ?');
          const until = new Date(now.getTime() + leaseMs).toISOString();
          for (const r of rows) lease.run(until, r.id);
          return rows.map((r) => toOutbox({ ...r, lease_until: until }));
        })
        .immediate(),
    );
  }

  async claimEarlier(of: readonly { findingId: string; channel: string; beforeId: number }[], now: Date, leaseMs: number): Promise<OutboxRow[]> {
    const at = now.toISOString();
    return this.#guard('claim held alert messages', () =>
      this.#db
        .transaction(() => {
          const find = this.#db.prepare<[string, string, number, string], OutboxDbRow>(
            `SELECT ${OUTBOX_COLUMNS} FROM alert_outbox o
             WHERE finding_id = ? AND channel = ? AND id < ? AND mode = 'single'
               AND delivered_at IS NULL AND gave_up_at IS NULL AND superseded_at IS NULL AND (lease_until IS NULL OR lease_until <= ?)
             ORDER BY id`,
          );
          const lease = this.#db.prepare('UPDATE alert_outbox SET lease_until = ? WHERE id = ?');
          const until = new Date(now.getTime() + leaseMs).toISOString();
          const found = new Map<number, OutboxDbRow>();
          for (const o of of) for (const r of find.all(o.findingId, o.channel, o.beforeId, at)) found.set(r.id, r);
          for (const id of found.keys()) lease.run(until, id);
          return [...found.values()].sort((a, b) => a.id - b.id).map((r) => toOutbox({ ...r, lease_until: until }));
        })
        .immediate(),
    );
  }

  async renewLease(ids: readonly number[], heldUntil: string, until: string): Promise<boolean> {
    return this.#guard('renew the lease on alert messages', () => {
      try {
        return this.#db
          .transaction(() => {
            const renew = this.#db.prepare('UPDATE alert_outbox SET lease_until = ? WHERE id = ? AND lease_until = ? AND delivered_at IS NULL AND gave_up_at IS NULL AND superseded_at IS NULL');
            for (const id of ids) {
              // Lost one: throwing rolls back the renewals already made, so the lease is all or nothing.
              if (renew.run(until, id, heldUntil).changes !== 1) throw new LeaseLost();
            }
            return true;
          })
          .immediate();
      } catch (e) {
        if (e instanceof LeaseLost) return false;
        throw e;
      }
    });
  }

  async recordAttempt(ids: readonly number[], attempt: AttemptResult): Promise<void> {
    return this.#guard('record a delivery attempt', () =>
      this.#db
        .transaction(() => {
          const read = this.#db.prepare<[number], { attempts: number }>('SELECT attempts FROM alert_outbox WHERE id = ?');
          const log = this.#db.prepare('INSERT INTO alert_attempts (outbox_id, attempt, at, ok, error, interrupted) VALUES (?, ?, ?, ?, ?, ?)');
          const ok = this.#db.prepare('UPDATE alert_outbox SET attempts = ?, delivered_at = ?, last_error = NULL, lease_until = NULL WHERE id = ?');
          const failed = this.#db.prepare('UPDATE alert_outbox SET attempts = ?, last_error = ?, next_attempt_at = ?, gave_up_at = ?, lease_until = NULL WHERE id = ?');
          for (const id of ids) {
            const row = read.get(id);
            if (!row) throw new AgentError('not_found', `no alert message ${id} in the outbox`);
            const n = row.attempts + 1;
            log.run(id, n, attempt.at, attempt.ok ? 1 : 0, attempt.ok ? null : attempt.error, !attempt.ok && attempt.interrupted === true ? 1 : 0);
            if (attempt.ok) ok.run(n, attempt.at, id);
            else failed.run(n, attempt.error, attempt.nextAttemptAt ?? attempt.at, attempt.nextAttemptAt === null ? attempt.at : null, id);
          }
        })
        .immediate(),
    );
  }

  async postpone(ids: readonly number[], until: string): Promise<void> {
    return this.#guard('postpone alert messages', () =>
      this.#db
        .transaction(() => {
          const stmt = this.#db.prepare('UPDATE alert_outbox SET next_attempt_at = ?, lease_until = NULL WHERE id = ? AND delivered_at IS NULL');
          for (const id of ids) stmt.run(until, id);
        })
        .immediate(),
    );
  }

  async prune(olderThan: Date): Promise<AlertPruneResult> {
    return this.#guard('prune alert history', () => pruneAlertHistory(this.#db, olderThan));
  }

  async listFindings(filter: { org?: string; state?: FindingState } = {}): Promise<StoredFinding[]> {
    return this.#guard('list alert findings', () => {
      const where: string[] = [];
      const params: string[] = [];
      if (filter.org !== undefined) (where.push('org = ?'), params.push(filter.org));
      if (filter.state !== undefined) (where.push('state = ?'), params.push(filter.state));
      const sql = `SELECT * FROM alert_findings${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY first_seen_at, id`;
      return this.#db.prepare<string[], FindingRow>(sql).all(...params).map(toFinding);
    });
  }

  async listOutbox(filter: { undeliveredOnly?: boolean } = {}): Promise<OutboxRow[]> {
    return this.#guard('list alert messages', () =>
      this.#db
        .prepare<[], OutboxDbRow>(`SELECT ${OUTBOX_COLUMNS} FROM alert_outbox o${filter.undeliveredOnly ? ' WHERE delivered_at IS NULL AND gave_up_at IS NULL AND superseded_at IS NULL' : ''} ORDER BY id`)
        .all()
        .map(toOutbox),
    );
  }

  async listAttempts(outboxId: number): Promise<AttemptRow[]> {
    return this.#guard('list delivery attempts', () =>
      this.#db
        .prepare<[number], { outbox_id: number; attempt: number; at: string; ok: number; error: string | null; interrupted: number }>('SELECT * FROM alert_attempts WHERE outbox_id = ? ORDER BY attempt')
        .all(outboxId)
        .map((r) => ({ outboxId: r.outbox_id, attempt: r.attempt, at: r.at, ok: r.ok === 1, error: r.error, interrupted: r.interrupted === 1 })),
    );
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #guard<T>(action: string, work: () => T): T {
    if (!this.#db.open) throw new AgentError('store_failed', `Cannot ${action}: the alert store ${this.#ctx.where} is already closed.`);
    try {
      return work();
    } catch (e) {
      throw toAgentError(e, action, this.#ctx);
    }
  }
}

/** Internal signal to roll back a partial lease renewal; never leaves this file. */
class LeaseLost extends Error {}

function toFinding(r: FindingRow): StoredFinding {
  return {
    id: r.id,
    org: r.org,
    type: r.type as StoredFinding['type'],
    rule: r.rule,
    subject: r.subject,
    label: r.label,
    scope: r.scope,
    severity: r.severity as StoredFinding['severity'],
    detail: r.detail,
    state: r.state as FindingState,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    lastAlertedAt: r.last_alerted_at,
    resolvedAt: r.resolved_at,
    lastRunId: r.last_run_id,
  };
}

function toOutbox(r: OutboxDbRow): OutboxRow {
  return {
    id: r.id,
    deliveryId: r.delivery_id,
    findingId: r.finding_id,
    org: r.org,
    kind: r.kind as OutboxRow['kind'],
    channel: r.channel,
    severity: r.severity as OutboxRow['severity'],
    mode: r.mode as OutboxRow['mode'],
    message: JSON.parse(r.message_json) as AlertMessage,
    notBefore: r.next_attempt_at,
    createdAt: r.created_at,
    attempts: r.attempts,
    interruptions: r.interruptions,
    nextAttemptAt: r.next_attempt_at,
    deliveredAt: r.delivered_at,
    lastError: r.last_error,
    gaveUpAt: r.gave_up_at,
    leaseUntil: r.lease_until,
    supersededAt: r.superseded_at,
    supersededReason: r.superseded_reason,
  };
}
