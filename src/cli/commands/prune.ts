import type { AlertPruneResult } from '../../alert/alert-store.ts';
import type { App } from '../../run/app.ts';
import { alertRetentionDays } from '../../daemon/daemon-config.ts';
import { pruneCutoff } from '../../daemon/retention-step.ts';
import type { PruneResult } from '../../store/evidence-store.ts';
import { openSqliteAlertStore } from '../../store/sqlite/alert-store.ts';
import { EXIT } from '../exit-codes.ts';

export interface PruneCommandOptions {
  days?: number;
  json?: boolean;
  now: () => Date;
  out: NodeJS.WritableStream;
}

/**
 * Retention by hand (the daemon does it after each run): the same prunes, once. Raw page bodies
 * only when `retention.rawPagesDays` or `--days` says how far back; alert history always, after
 * `retention.alertDeliveriesDays` (default 90).
 */
export async function pruneCommand(app: App, opts: PruneCommandOptions): Promise<number> {
  const now = opts.now();
  const days = opts.days ?? app.config.retention.rawPagesDays;
  const olderThan = days === undefined ? null : pruneCutoff(now, days);
  const pages: PruneResult = olderThan === null ? { blobsPruned: 0, bytesFreed: 0 } : await app.store.prune({ olderThan });
  const alertsOlderThan = pruneCutoff(now, alertRetentionDays(app.config.retention));
  const alertStore = await openSqliteAlertStore(app.config.store.path);
  let alerts: AlertPruneResult;
  try {
    alerts = await alertStore.prune(alertsOlderThan);
  } finally {
    await alertStore.close();
  }
  if (opts.json) {
    opts.out.write(`${JSON.stringify({ ...pages, olderThan: olderThan?.toISOString() ?? null, alerts: { ...alerts, olderThan: alertsOlderThan.toISOString() } })}\n`);
    return EXIT.ok;
  }
  opts.out.write(
    olderThan === null
      ? 'Raw page bodies kept: no retention configured for them; set retention.rawPagesDays in the config or pass --days N.\n'
      : `Pruned ${pages.blobsPruned} raw page bod${pages.blobsPruned === 1 ? 'y' : 'ies'} (${pages.bytesFreed} bytes) used only by runs started before ${olderThan.toISOString()}; hashes, manifests, entities and results are kept.\n`,
  );
  opts.out.write(
    `Pruned ${alerts.deliveries} alert deliver${alerts.deliveries === 1 ? 'y' : 'ies'} (${alerts.attempts} attempt${alerts.attempts === 1 ? '' : 's'}) delivered, given up or superseded before ${alertsOlderThan.toISOString()}, and ${alerts.findings} alert finding${alerts.findings === 1 ? '' : 's'} resolved before then; messages still due and open findings are kept.\n`,
  );
  return EXIT.ok;
}
