import type { AfterRunReport } from './create-alerting.ts';
import type { DeliveryReport } from './deliver-due.ts';

/** One line for stderr after a run: what changed. */
export function describeAfterRun(r: AfterRunReport): string {
  if (r.skipped) return `Alerts: ${r.skipped}\n`;
  return `Alerts for ${r.org}: ${r.opened} new, ${r.reminded} reminded, ${r.resolved} resolved; ${r.enqueued} ${r.enqueued === 1 ? 'message' : 'messages'} queued\n`;
}

/** One line for stderr after delivering, naming each failure's reason. */
export function describeDelivery(d: DeliveryReport): string {
  const failures = d.outcomes.filter((o) => !o.ok && !o.interrupted).map((o) => `${o.error}${o.gaveUp ? ' (given up)' : ''}`);
  const failed = d.failed - d.interrupted;
  const parts = [
    `${d.delivered} delivered`,
    failed > 0 ? `${failed} failed (${[...new Set(failures)].join('; ')})` : '',
    d.interrupted > 0 ? `${d.interrupted} cut short by the interrupt (sent again under the same delivery id)` : '',
    d.postponed > 0 ? `${d.postponed} held for quiet hours` : '',
  ];
  return `Alert delivery: ${parts.filter(Boolean).join(', ')}${failed > d.gaveUp ? '; failed messages are retried by the next run or the daemon' : ''}\n`;
}
