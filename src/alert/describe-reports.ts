import type { AfterRunReport } from './create-alerting.ts';
import type { DeliveryReport } from './deliver-due.ts';

/** One line for stderr after a run: what changed. */
export function describeAfterRun(r: AfterRunReport): string {
  if (r.skipped) return `Alerts: ${r.skipped}\n`;
  return `Alerts for ${r.org}: ${r.opened} new, ${r.reminded} reminded, ${r.resolved} resolved; ${r.enqueued} ${r.enqueued === 1 ? 'message' : 'messages'} queued\n`;
}

/** One line for stderr after delivering, naming each failure's reason. */
export function describeDelivery(d: DeliveryReport): string {
  const failures = d.outcomes.filter((o) => !o.ok).map((o) => `${o.error}${o.gaveUp ? ' (given up)' : ''}`);
  const parts = [`${d.delivered} delivered`, d.failed > 0 ? `${d.failed} failed (${[...new Set(failures)].join('; ')})` : '', d.postponed > 0 ? `${d.postponed} held for quiet hours` : ''];
  return `Alert delivery: ${parts.filter(Boolean).join(', ')}${d.failed > d.gaveUp ? '; failed messages are retried by the next run or the daemon' : ''}\n`;
}
