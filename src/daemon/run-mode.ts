import { Cron } from 'croner';
import type { EvidenceStore, RunMode } from '../store/evidence-store.ts';
import type { DaemonConfig } from './daemon-config.ts';

/**
 * Whether the daemon's next run of an organisation is full or incremental. Incremental runs read
 * only what changed (Graph delta for m365 users); a full run still happens on `fullEvery`, so
 * sign-in activity (which delta cannot return) and the delta link are refreshed at least that often.
 * Pure: the last full run's start and the clock decide.
 */
export function chooseRunMode(opts: { fullEvery: string; timezone: string; lastFullStart: Date | null; now: Date }): { mode: RunMode; why: string } {
  if (opts.lastFullStart === null) return { mode: 'full', why: 'no full run stored yet' };
  const due = new Cron(opts.fullEvery, { paused: true, timezone: opts.timezone }).nextRun(opts.lastFullStart);
  if (due !== null && due.getTime() <= opts.now.getTime()) return { mode: 'full', why: `a full run was due at ${due.toISOString()} (daemon.incremental.fullEvery)` };
  return { mode: 'incremental', why: `last full run started ${opts.lastFullStart.toISOString()}` };
}

/** How many of an org's newest runs are searched for its last full run; none found means a full run. */
const LOOKBACK = 200;

/** The mode of the org's next daemon run, from its stored runs (only sealed full runs count). */
export async function nextRunMode(store: EvidenceStore, org: string, daemon: DaemonConfig, now: Date): Promise<{ mode: RunMode; why: string }> {
  if (!daemon.incremental.enabled) return { mode: 'full', why: 'daemon.incremental.enabled is false' };
  const runs = await store.listRuns({ org, limit: LOOKBACK });
  const lastFull = runs.find((r) => r.mode === 'full' && r.manifestHash !== null);
  return chooseRunMode({ fullEvery: daemon.incremental.fullEvery, timezone: daemon.timezone, lastFullStart: lastFull ? new Date(lastFull.startedAt) : null, now });
}
