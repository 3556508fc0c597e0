import { AgentError, escapeControls } from '../core/errors.ts';
import type { BeginRun } from '../store/evidence-store.ts';
import type { RunLease, RunLockHolder } from '../store/run-lock.ts';
import type { App } from './app.ts';

/**
 * Holding an organisation's run lock for a whole run (collect → seal → evaluate), so two processes
 * sharing a store never collect one organisation at once (double API quota, interleaved runs in
 * the chain, racing stream checkpoints). The lock is a lease in the store, renewed while held and
 * released when the run ends, however it ends; a holder that dies stops renewing and is taken over.
 */

export interface RunLockOptions {
  /** How long the lock stays valid without a renewal; a crashed holder on another host blocks at most this long. @default 120_000 */
  leaseMs: number;
  /** How often the holder renews; well under `leaseMs`, so a slow store write never lets it lapse. @default 30_000 */
  renewEveryMs: number;
}

export const DEFAULT_RUN_LOCK: RunLockOptions = { leaseMs: 120_000, renewEveryMs: 30_000 };

/** What holds a lock, as shown to a process that finds it held. */
const COMMAND_OF: Record<BeginRun['trigger'], string> = {
  manual: 'evidentia collect',
  schedule: 'evidentia daemon',
  demo: 'evidentia demo',
  test: 'a test run',
};

/** Another process is collecting the organisation: nothing was collected or stored for it here. */
export class RunLockedError extends AgentError {
  readonly org: string;
  readonly heldBy: RunLockHolder;
  constructor(org: string, heldBy: RunLockHolder) {
    super(
      'run_locked',
      // Command and host are read back from the database: escaped so they cannot split the line.
      `organisation ${org} is already being collected by ${escapeControls(heldBy.command)} (pid ${heldBy.pid} on ${escapeControls(heldBy.hostname)}, since ${heldBy.acquiredAt}); ` +
        'nothing was collected for it now. Let that run finish and try again; if that process is stuck, stop it ' +
        `(a lock whose process is gone is taken over at once; one held from another host or container, once it stops renewing, after its lease, at ${heldBy.expiresAt}).`,
    );
    this.name = 'RunLockedError';
    this.org = org;
    this.heldBy = heldBy;
  }
}

export function isRunLocked(e: unknown): e is RunLockedError {
  return e instanceof RunLockedError;
}

/**
 * The reason a run's signal aborts when its lock was taken over by another process (our lease had
 * lapsed): told apart from Ctrl-C/SIGTERM, so `collect` reports it and goes on with the other
 * organisations, and the daemon logs it, instead of both treating it as a stop request.
 */
export class RunLockLostError extends AgentError {
  readonly org: string;
  /** The process that holds the lock now, when it could be read. */
  readonly takenBy: RunLockHolder | null;
  constructor(org: string, takenBy: RunLockHolder | null) {
    const by = takenBy
      ? `${escapeControls(takenBy.command)} (pid ${takenBy.pid} on ${escapeControls(takenBy.hostname)}, since ${takenBy.acquiredAt})`
      : 'another process';
    super(
      'run_locked',
      `organisation ${org}: the run lock was taken over by ${by} while this run was collecting (its lease had expired without renewal); ` +
        'this run was stopped and stored as interrupted, so the organisation is not collected twice at once. ' +
        'Check that run; if this repeats, the store may be too slow to renew the lease in time.',
    );
    this.name = 'RunLockLostError';
    this.org = org;
    this.takenBy = takenBy;
  }
}

/** Why a run's signal aborted: the lost lock, if that was it (null for Ctrl-C, SIGTERM, or no abort). */
export function lostRunLock(signal: AbortSignal): RunLockLostError | null {
  return signal.aborted && signal.reason instanceof RunLockLostError ? signal.reason : null;
}

/** Who held a lock, as log fields (ids, host and times only). */
function holderFields(h: RunLockHolder): Record<string, unknown> {
  return { command: h.command, pid: h.pid, hostname: h.hostname, acquiredAt: h.acquiredAt, heartbeatAt: h.heartbeatAt, expiresAt: h.expiresAt };
}

/**
 * Runs `work` while holding `org`'s run lock; throws `RunLockedError` (before any work) when another
 * process holds it. `work` gets a signal that aborts with the caller's, and also when the lock is
 * lost (another process took it over after our lease lapsed): collecting on regardless would be
 * the very double run the lock exists to stop, so the run ends interrupted instead, and the
 * signal's reason is a `RunLockLostError` (see `lostRunLock`).
 */
export async function withRunLock<T>(
  app: App,
  org: string,
  opts: { trigger: BeginRun['trigger']; signal: AbortSignal },
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const { leaseMs, renewEveryMs } = app.runLock ?? DEFAULT_RUN_LOCK;
  const got = await app.store.acquireRunLock({ org, command: COMMAND_OF[opts.trigger], leaseMs });
  if (!got.acquired) throw new RunLockedError(org, got.heldBy);
  if (got.tookOver) {
    app.log.warn({ org, why: got.tookOver.why, heldBy: holderFields(got.tookOver.from) }, 'took over the run lock of a process that stopped without releasing it');
  }
  let lease: RunLease = got.lease;
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal.reason);
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });

  let renewing: Promise<void> = Promise.resolve();
  const renew = async () => {
    try {
      const next = await app.store.renewRunLock(lease, leaseMs);
      if (next) {
        lease = next;
        return;
      }
      // Who has it now, for the person reading the message; not knowing must not keep the run going.
      const takenBy = await app.store.runLockHolder(org).catch(() => null);
      app.log.error({ org, takenBy: takenBy ? holderFields(takenBy) : null }, 'the run lock was taken over by another process; stopping this run');
      controller.abort(new RunLockLostError(org, takenBy));
    } catch (err) {
      // A busy store now is not a lost lock: the next renewal tries again, well within the lease.
      app.log.warn({ org, err }, 'could not renew the run lock; trying again at the next renewal');
    }
  };
  const timer = setInterval(() => {
    renewing = renewing.then(renew);
  }, renewEveryMs);
  // The renewal never keeps a process alive on its own.
  timer.unref();
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(timer);
    opts.signal.removeEventListener('abort', onAbort);
    await renewing;
    try {
      await app.store.releaseRunLock(lease);
    } catch (err) {
      // Not fatal: processes that can probe this one (same host and PID namespace) take the lock over
      // once it exits, this process at its next run of the org, any other process after the lease.
      app.log.warn({ org, err }, 'could not release the run lock; it lapses when its lease expires or this process exits');
    }
  }
}
