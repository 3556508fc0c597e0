import type { Logger } from 'pino';
import type { AlertPruneResult } from '../alert/alert-store.ts';
import type { EvidenceStore, PruneResult } from '../store/evidence-store.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';

const DAY_MS = 86_400_000;

/** Raw bodies used only by runs started before this are pruned: `days` whole days before `now`. */
export function pruneCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/**
 * After a run: prune raw bodies older than the configured days. A failure is logged and the daemon
 * goes on: nothing was lost (the bodies are still there), and the next run tries again.
 */
export async function pruneAfterRun(store: EvidenceStore, opts: { days: number; now: Date; log: Logger }): Promise<PruneResult | null> {
  const olderThan = pruneCutoff(opts.now, opts.days);
  try {
    const result = await store.prune({ olderThan });
    if (result.blobsPruned > 0) opts.log.info({ ...result, olderThan: olderThan.toISOString() }, 'raw page bodies pruned by retention');
    return result;
  } catch (err) {
    opts.log.error({ err }, 'retention could not prune raw page bodies; they are kept until the next run');
    return null;
  }
}

/**
 * Alert retention on the evidence database at `path` (its own short-lived connection, like
 * `evidentia prune`): settled alert messages older than `days`. Runs whether or not alerts are
 * configured now, so history left from an earlier config is pruned too. A failure is logged and
 * the daemon goes on: the next run tries again.
 */
export async function pruneAlertHistory(path: string, opts: { days: number; now: Date; log: Logger }): Promise<AlertPruneResult | null> {
  const olderThan = pruneCutoff(opts.now, opts.days);
  try {
    const store = await openSqliteAlertStore(path);
    try {
      const result = await store.prune(olderThan);
      if (result.deliveries + result.findings > 0) opts.log.info({ ...result, olderThan: olderThan.toISOString() }, 'alert history pruned by retention');
      return result;
    } finally {
      await store.close();
    }
  } catch (err) {
    opts.log.error({ err }, 'retention could not prune alert history; it is kept until the next run');
    return null;
  }
}
