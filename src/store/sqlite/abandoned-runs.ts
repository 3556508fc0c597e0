/**
 * Deciding whether a `running` run still has a live process behind it. Pure, apart from the
 * injected process probe, so each case is testable without spawning processes.
 */

/** Identifies the process that began a run. */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /**
   * When that process started (ms since epoch). Containers restart their main process with the
   * same pid (often 1), so pid + host alone would make a crashed daemon's run look alive forever.
   */
  processStartedAt: number;
}

export interface AbandonedPolicy {
  self: ProcessIdentity;
  isProcessAlive: (pid: number) => boolean;
  now: Date;
  /** A run begun on another host cannot be probed; it counts as abandoned once it is this old. */
  foreignHostStaleMs: number;
}

export function isAbandoned(owner: ProcessIdentity & { startedAt: string }, policy: AbandonedPolicy): boolean {
  if (owner.hostname !== policy.self.hostname) {
    // Another machine (or a recreated container with a new hostname): we cannot see its processes.
    const started = Date.parse(owner.startedAt);
    return Number.isNaN(started) || policy.now.getTime() - started > policy.foreignHostStaleMs;
  }
  if (owner.pid === policy.self.pid) {
    // Our own pid: it is this very process unless that pid belonged to an earlier process.
    return owner.processStartedAt !== policy.self.processStartedAt;
  }
  return !policy.isProcessAlive(owner.pid);
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
