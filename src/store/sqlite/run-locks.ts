import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { staleReason } from '../run-lock.ts';
import type { AcquireRunLock, AcquireRunLockResult, RunLease, RunLockHolder, StalePolicy } from '../run-lock.ts';
import { parseInput as parse } from './inputs.ts';

/**
 * The run lock in SQLite (migration 010-run-locks.sql): one row per organisation. Each function
 * runs inside the caller's IMMEDIATE transaction, so reading the row and taking it is atomic
 * across processes (SQLite lets one writer in at a time).
 */

interface LockRow {
  org: string;
  holder_id: string;
  pid: number;
  hostname: string;
  process_started_at: number;
  pid_namespace: string | null;
  boot_id: string | null;
  command: string;
  acquired_at: string;
  heartbeat_at: string;
  expires_at: string;
}

const acquireInput = z.object({
  org: z.string().min(1),
  command: z.string().min(1).max(200),
  leaseMs: z.number().int().positive(),
});

const leaseInput = z.object({ org: z.string().min(1), holderId: z.string().min(1), expiresAt: z.string() });

export function acquireRunLock(db: Database, input: AcquireRunLock, policy: StalePolicy): AcquireRunLockResult {
  const { org, command, leaseMs } = parse(acquireInput, input, 'run lock request');
  const held = readRunLock(db, org);
  const why = held ? staleReason(held, policy) : null;
  if (held && why === null) return { acquired: false, heldBy: held };
  const now = policy.now.toISOString();
  const lease: RunLease = { org, holderId: randomUUID(), expiresAt: new Date(policy.now.getTime() + leaseMs).toISOString() };
  db.prepare(
    `INSERT INTO run_locks (org, holder_id, pid, hostname, process_started_at, pid_namespace, boot_id, command, acquired_at, heartbeat_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (org) DO UPDATE SET holder_id = excluded.holder_id, pid = excluded.pid, hostname = excluded.hostname,
       process_started_at = excluded.process_started_at, pid_namespace = excluded.pid_namespace, boot_id = excluded.boot_id, command = excluded.command, acquired_at = excluded.acquired_at,
       heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
  ).run(
    org, lease.holderId, policy.self.pid, policy.self.hostname, policy.self.processStartedAt, policy.self.pidNamespace, policy.self.bootId, command, now, now, lease.expiresAt,
  );
  return { acquired: true, lease, tookOver: held && why ? { from: held, why } : null };
}

/** Extends the holder's lease from `now`; null when the lock is no longer this holder's (taken over). */
export function renewRunLock(db: Database, lease: RunLease, leaseMs: number, now: Date): RunLease | null {
  const l = parse(leaseInput, lease, 'run lock lease');
  const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
  const { changes } = db
    .prepare('UPDATE run_locks SET heartbeat_at = ?, expires_at = ? WHERE org = ? AND holder_id = ?')
    .run(now.toISOString(), expiresAt, l.org, l.holderId);
  return changes === 1 ? { ...l, expiresAt } : null;
}

/** Frees the holder's lock; a lock taken over by another process meanwhile is left alone. */
export function releaseRunLock(db: Database, lease: RunLease): void {
  const l = parse(leaseInput, lease, 'run lock lease');
  db.prepare('DELETE FROM run_locks WHERE org = ? AND holder_id = ?').run(l.org, l.holderId);
}

/** Who holds the organisation's lock now, expired or not; null when nobody does. */
export function readRunLock(db: Database, org: string): RunLockHolder | null {
  const row = db.prepare<[string], LockRow>('SELECT * FROM run_locks WHERE org = ?').get(org);
  return row ? toHolder(row) : null;
}

function toHolder(r: LockRow): RunLockHolder {
  return {
    org: r.org,
    holderId: r.holder_id,
    pid: r.pid,
    hostname: r.hostname,
    processStartedAt: r.process_started_at,
    pidNamespace: r.pid_namespace,
    bootId: r.boot_id,
    command: r.command,
    acquiredAt: r.acquired_at,
    heartbeatAt: r.heartbeat_at,
    expiresAt: r.expires_at,
  };
}
