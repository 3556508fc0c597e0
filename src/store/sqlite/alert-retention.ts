import type { Database } from 'better-sqlite3';
import type { AlertPruneResult } from '../../alert/alert-store.ts';

/**
 * Alert retention (one IMMEDIATE transaction): deletes outbox messages settled (delivered, given
 * up, or superseded because their finding opened again) before `olderThan`, with their attempts, and findings resolved before it that no kept message
 * still names.
 *
 * Kept whatever their age:
 * - messages not settled (pending, waiting for a retry, held by quiet hours or a digest, leased):
 *   deleting one would lose an alert;
 * - open findings: the finding row is the dedup identity. Its state and `last_alerted_at` are what
 *   say "already alerted, remind at …", so an old open problem is never alerted again as new
 *   however much of its outbox history is gone, and its resolution still sends one notice.
 * A resolved finding's episode is over: when the same problem comes back it alerts again anyway,
 * so dropping the row changes nothing anyone would see.
 */
export function pruneAlertHistory(db: Database, olderThan: Date): AlertPruneResult {
  const cutoff = olderThan.toISOString();
  return db
    .transaction((): AlertPruneResult => {
      // Times in these tables are all written by toISOString (UTC, same width): text order is time order.
      const settled = `SELECT id FROM alert_outbox
        WHERE (delivered_at IS NOT NULL AND delivered_at < @cutoff) OR (delivered_at IS NULL AND gave_up_at IS NOT NULL AND gave_up_at < @cutoff)
           OR (delivered_at IS NULL AND gave_up_at IS NULL AND superseded_at IS NOT NULL AND superseded_at < @cutoff)`;
      const attempts = db.prepare(`DELETE FROM alert_attempts WHERE outbox_id IN (${settled})`).run({ cutoff }).changes;
      const deliveries = db.prepare(`DELETE FROM alert_outbox WHERE id IN (${settled})`).run({ cutoff }).changes;
      const findings = db
        .prepare(
          `DELETE FROM alert_findings
           WHERE state = 'resolved' AND resolved_at IS NOT NULL AND resolved_at < @cutoff
             AND NOT EXISTS (SELECT 1 FROM alert_outbox o WHERE o.finding_id = alert_findings.id)`,
        )
        .run({ cutoff }).changes;
      return { deliveries, attempts, findings };
    })
    .immediate();
}
