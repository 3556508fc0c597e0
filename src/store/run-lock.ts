/**
 * The per-organisation run lock: one collection of an organisation at a time across every process
 * that shares a store (the daemon, `evidentia collect` run by hand or by cron, a second daemon).
 * It is a lease, not evidence: it is never in a manifest, an export or `verify`.
 *
 * Kept behind `EvidenceStore` so each store implements it its own way (SQLite: a row taken in an
 * IMMEDIATE transaction; PostgreSQL later: a row lease or an advisory lock). The decision whether
 * a held lock is stale is pure and shared, so every store takes over in the same cases.
 */

import { isSameProcess, sharesProcessTable } from './process-identity.ts';
import type { ProcessIdentity } from './process-identity.ts';

/**
 * Who holds an organisation's run lock, as stored. The process identity (pid, host, start time,
 * PID namespace, boot id) says whether another process may probe the holder's pid.
 */
export interface RunLockHolder extends ProcessIdentity {
  org: string;
  /** Random per acquisition; renewing and releasing need it, so one holder never frees another's lock. */
  holderId: string;
  /** What holds it, for people: `evidentia collect`, `evidentia daemon`, … */
  command: string;
  acquiredAt: string;
  /** The last renewal (the acquisition at first). */
  heartbeatAt: string;
  /** Without a renewal by then, the lock counts as abandoned and the next process takes it over. */
  expiresAt: string;
}

export interface AcquireRunLock {
  org: string;
  /** What is taking it (shown to a process that finds it held). */
  command: string;
  /** How long the lock holds without a renewal. */
  leaseMs: number;
}

/** What renewing and releasing need: proof of being the holder. */
export interface RunLease {
  org: string;
  holderId: string;
  expiresAt: string;
}

/** Why a held lock was taken over. */
export type StaleReason = 'lease_expired' | 'process_gone';

export type AcquireRunLockResult =
  | { acquired: true; lease: RunLease; tookOver: { from: RunLockHolder; why: StaleReason } | null }
  | { acquired: false; heldBy: RunLockHolder };

/** The process asking, and how it probes others. */
export interface StalePolicy {
  self: ProcessIdentity;
  now: Date;
  isProcessAlive: (pid: number) => boolean;
  /** When a live pid (in our PID namespace) started, ms since epoch; null when it cannot be told. */
  processStartedAtOf: (pid: number) => number | null;
}

/**
 * Whether a held lock may be taken over, and why.
 *
 * When the holder's pid can be probed (same host, PID namespace and boot: see
 * `sharesProcessTable`), the probe decides: a holder that is gone (or whose pid now belongs to
 * another process) is stale at once; a holder that is still running is never taken over, even
 * past its lease, because renewals run on a timer that cannot fire while the holder is busy in
 * long synchronous work (sealing or evaluating a large tenant). Only when the probe cannot tell
 * whether a live pid is still the holder does the lease decide.
 *
 * Otherwise (another host, another container sharing the hostname, an unknown namespace) nothing
 * can be probed: a pid there is not a pid here, so only the lease counts.
 */
export function staleReason(holder: RunLockHolder, policy: StalePolicy): StaleReason | null {
  const expires = Date.parse(holder.expiresAt);
  const expired = Number.isNaN(expires) || expires <= policy.now.getTime();
  const running = sharesProcessTable(policy.self, holder) ? holderRunning(holder, policy) : null;
  if (running === false) return 'process_gone';
  if (running === true) return null;
  return expired ? 'lease_expired' : null;
}

/**
 * Whether the holder's process is running and so keeps its lock past the lease: true, false, or
 * null when the lease should decide.
 */
function holderRunning(holder: RunLockHolder, policy: StalePolicy): boolean | null {
  if (holder.pid === policy.self.pid) {
    // Our own pid from an earlier process (a restarted container's pid 1): gone.
    if (holder.processStartedAt !== policy.self.processStartedAt) return false;
    // This very process (another org loop, a test): the lease decides. It cannot be busy in
    // synchronous work while it is asking, and a lock it failed to release must not shut it out
    // of that organisation until it restarts.
    return null;
  }
  if (!policy.isProcessAlive(holder.pid)) return false;
  return isSameProcess(holder.processStartedAt, policy.processStartedAtOf(holder.pid));
}
