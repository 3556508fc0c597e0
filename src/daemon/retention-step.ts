import type { Logger } from 'pino';
import type { EvidenceStore, PruneResult } from '../store/evidence-store.ts';

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
