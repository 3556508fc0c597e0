/**
 * The per-organisation run lock: one collection of an organisation at a time across every process
 * that shares a store (the daemon, `evidentia collect` run by hand or by cron, a second daemon).
 * It is a lease, not evidence: it is never in a manifest, an export or `verify`.
 *
 * Kept behind `EvidenceStore` so each store implements it its own way (SQLite: a row taken in an
 * IMMEDIATE transaction; PostgreSQL later: a row lease or an advisory lock). The decision whether
 * a held lock is stale is pure and shared, so every store takes over in the same cases.
 */

/** Who holds an organisation's run lock, as stored. */
export interface RunLockHolder {
  org: string;
  /** Random per acquisition; renewing and releasing need it, so one holder never frees another's lock. */
  holderId: string;
  pid: number;
  hostname: string;
  /** When the holder's process started (ms since epoch), to tell a reused pid from the holder. */
  processStartedAt: number;
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
  self: { pid: number; hostname: string; processStartedAt: number };
  now: Date;
  isProcessAlive: (pid: number) => boolean;
}

/**
 * Whether a held lock may be taken over, and why. An expired lease is stale wherever its holder
 * runs (it crashed, was SIGKILLed, or hung past its lease). On this host a holder whose process is
 * gone is stale at once, without waiting for the lease. On another host nothing can be probed, so
 * only the lease counts.
 */
export function staleReason(holder: RunLockHolder, policy: StalePolicy): StaleReason | null {
  const expires = Date.parse(holder.expiresAt);
  if (Number.isNaN(expires) || expires <= policy.now.getTime()) return 'lease_expired';
  if (holder.hostname !== policy.self.hostname) return null;
  if (holder.pid === policy.self.pid) {
    // Our own pid: held by this very process (another org loop, a test) unless the pid was an earlier process's.
    return holder.processStartedAt === policy.self.processStartedAt ? null : 'process_gone';
  }
  return policy.isProcessAlive(holder.pid) ? null : 'process_gone';
}
