/**
 * Deciding whether a `running` run still has a live process behind it. Pure, apart from the
 * injected process probe, so each case is testable without spawning processes.
 */

import { isSameProcess, sharesProcessTable } from '../process-identity.ts';
import type { ProcessIdentity } from '../process-identity.ts';

export type { ProcessIdentity } from '../process-identity.ts';

export interface AbandonedPolicy {
  self: ProcessIdentity;
  isProcessAlive: (pid: number) => boolean;
  /** When a live pid (in our PID namespace) started, ms since epoch; null when it cannot be told. */
  processStartedAtOf: (pid: number) => number | null;
  now: Date;
  /** A run whose process cannot be probed from here counts as abandoned once it is this old. */
  foreignHostStaleMs: number;
}

export function isAbandoned(owner: ProcessIdentity & { startedAt: string }, policy: AbandonedPolicy): boolean {
  if (!sharesProcessTable(policy.self, owner)) {
    // Another machine, a recreated container with a new hostname, or a container sharing this
    // hostname but not its PID namespace (docker --network=host; both are often pid 1): a pid
    // there is not a pid here, so only the run's age can tell.
    const started = Date.parse(owner.startedAt);
    return Number.isNaN(started) || policy.now.getTime() - started > policy.foreignHostStaleMs;
  }
  if (owner.pid === policy.self.pid) {
    // Our own pid: it is this very process unless that pid belonged to an earlier process.
    return owner.processStartedAt !== policy.self.processStartedAt;
  }
  if (!policy.isProcessAlive(owner.pid)) return true;
  // A live pid now held by another process (reused) means the run's process is gone; unknown: alive.
  return isSameProcess(owner.processStartedAt, policy.processStartedAtOf(owner.pid)) === false;
}

/**
 * Signal 0 checks existence without signalling. EPERM means the process exists but belongs to
 * another user, so it is alive; ESRCH means there is no such process.
 */
export function probeProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
