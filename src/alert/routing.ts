import type { AlertsConfig } from './alert-config.ts';
import type { AlertMessage } from './alert-message.ts';
import type { DeliveryMode, OutboxInput } from './alert-store.ts';
import { severityRank } from './finding.ts';

/**
 * The outbox rows one message becomes: one per channel a route sends it to (each channel once, even
 * when several routes name it). Without `routes`, every message goes to every channel. Severities
 * listed under `digest` wait for the end of the current digest window (windows are aligned to the
 * epoch, so every message of a window shares one send time and becomes one digest per channel).
 */
export function routeMessage(config: AlertsConfig, message: AlertMessage, now: Date): OutboxInput[] {
  const channels = new Set<string>();
  if (config.routes === undefined) for (const c of config.channels) channels.add(c.name);
  for (const r of config.routes ?? []) {
    if (message.type !== null && r.events !== undefined && !r.events.includes(message.type)) continue;
    if (severityRank(message.severity) < severityRank(r.minSeverity)) continue;
    if (r.orgs !== undefined && !r.orgs.includes(message.org)) continue;
    for (const c of r.channels) channels.add(c);
  }
  const digest = config.digest !== undefined && config.digest.severities.includes(message.severity);
  const mode: DeliveryMode = digest ? 'digest' : 'single';
  const notBefore = digest ? new Date((Math.floor(now.getTime() / config.digest!.every) + 1) * config.digest!.every).toISOString() : now.toISOString();
  return [...channels].sort().map((channel) => ({
    findingId: message.findingId,
    org: message.org,
    kind: message.kind,
    channel,
    severity: message.severity,
    mode,
    message,
    notBefore,
  }));
}
