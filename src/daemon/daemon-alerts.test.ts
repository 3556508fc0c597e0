import { describe, expect, it } from 'vitest';
import pino from 'pino';
import type { Alerting, ConnectorHealth } from '../alert/index.ts';
import { configSchema } from '../config/agent-config.ts';
import { createDaemonAlerts, connectorHealthFor } from './daemon-alerts.ts';
import { healthReport, type OrgState } from './health.ts';
import type { OrgRunResult } from '../run/pipeline.ts';

const config = configSchema.parse({
  store: { path: ':memory:' },
  organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'm365', id: 'm365-main' }, { type: 'aws-iam', id: 'aws-prod' }] }],
});
const schedule = { pattern: '0 */4 * * *', timezone: 'UTC' };
const since = new Date('2026-11-02T00:00:00Z');
const fresh = { id: 7, status: 'complete' as const, startedAt: '2026-11-02T12:00:00Z', finishedAt: '2026-11-02T12:05:00Z' };
const state: OrgState = {
  org: 'acme',
  schedule,
  lastRun: fresh,
  lastSuccessfulRun: fresh,
  connectors: [
    { instance: 'm365-main', lastSuccessfulRun: fresh, lastStatus: 'ok' },
    // Last good read two days ago: /healthz calls it stale, so alerts must call it overdue.
    { instance: 'aws-prod', lastSuccessfulRun: { ...fresh, id: 1, startedAt: '2026-11-01T00:00:00Z', finishedAt: '2026-11-01T00:05:00Z' }, lastStatus: 'failing' },
  ],
};
const report = () => healthReport([state], { now: new Date('2026-11-02T13:00:00Z'), since, graceMs: 30 * 60_000, running: [] });

describe('daemon alerts', () => {
  it('reports a connector as overdue exactly when /healthz calls it stale, with its connector type', () => {
    const health = connectorHealthFor(config, report()).get('acme')!;
    expect(health.map((h) => [h.instance, h.connector, h.overdue])).toEqual([
      ['m365-main', 'm365', false],
      ['aws-prod', 'aws-iam', true],
    ]);
    expect(health[1]!.lastSuccessAt).toBe('2026-11-01T00:05:00Z');
  });

  it('after a run: findings, then connector health, then delivery, each delivery counted by channel and outcome', async () => {
    const calls: string[] = [];
    const counted: Array<[string, string]> = [];
    let reported: ConnectorHealth[] = [];
    const alerting = {
      afterRun: async () => { calls.push('afterRun'); return {} as never; },
      reportConnectorHealth: async (_org: string, h: readonly ConnectorHealth[]) => { calls.push('health'); reported = [...h]; return {} as never; },
      deliverDue: async () => {
        calls.push('deliver');
        return {
          delivered: 1, failed: 1, gaveUp: 0, postponed: 0,
          outcomes: [
            { channel: 'secops', kind: 'alert', outboxIds: [1], ok: true, error: null, gaveUp: false },
            { channel: 'mail', kind: 'alert', outboxIds: [2], ok: false, error: 'refused', gaveUp: false },
          ],
        } as never;
      },
    } as unknown as Alerting;
    const alerts = createDaemonAlerts({ alerting, config, health: report, metrics: { recordAlertDelivery: (c, o) => counted.push([c, o]) }, log: pino({ level: 'silent' }) });
    await alerts.afterRun({ run: { id: 7 }, evaluation: null } as unknown as OrgRunResult);
    await alerts.idle();
    expect(calls).toEqual(['afterRun', 'health', 'deliver']);
    expect(reported.filter((h) => h.overdue).map((h) => h.instance)).toEqual(['aws-prod']);
    expect(counted).toEqual([['secops', 'sent'], ['mail', 'failed']]);
  });

  it('never runs two passes at once, and a failed pass does not stop the next', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    let n = 0;
    const alerting = {
      reportConnectorHealth: async () => ({}) as never,
      deliverDue: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        if (++n === 1) throw new Error('smtp down');
        return { delivered: 0, failed: 0, gaveUp: 0, postponed: 0, outcomes: [] } as never;
      },
    } as unknown as Alerting;
    const alerts = createDaemonAlerts({ alerting, config, health: report, metrics: { recordAlertDelivery: () => {} }, log: pino({ level: 'silent' }) });
    const results = await Promise.allSettled([alerts.tick(), alerts.tick(), alerts.tick()]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(maxInFlight).toBe(1);
  });

  it('afterRun resolves once findings are recorded, without waiting for delivery; idle() waits for the delivery', async () => {
    let release: () => void = () => {};
    let delivered = false;
    const alerting = {
      afterRun: async () => ({}) as never,
      reportConnectorHealth: async () => ({}) as never,
      deliverDue: async () => {
        await new Promise<void>((r) => (release = r));
        delivered = true;
        return { delivered: 1, failed: 0, gaveUp: 0, postponed: 0, outcomes: [] } as never;
      },
    } as unknown as Alerting;
    const alerts = createDaemonAlerts({ alerting, config, health: () => null, metrics: { recordAlertDelivery: () => {} }, log: pino({ level: 'silent' }) });
    await alerts.afterRun({ run: { id: 7 }, evaluation: null } as unknown as OrgRunResult);
    expect(delivered).toBe(false);
    let idle = false;
    const waiting = alerts.idle().then(() => (idle = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(delivered).toBe(true);
  });

  it('after stopSending(), a delivery pass is told to send nothing more', async () => {
    const aborted: Array<boolean | undefined> = [];
    const alerting = {
      reportConnectorHealth: async () => ({}) as never,
      deliverDue: async (o?: { signal?: AbortSignal }) => {
        aborted.push(o?.signal?.aborted);
        return { delivered: 0, failed: 0, gaveUp: 0, postponed: 0, outcomes: [] } as never;
      },
    } as unknown as Alerting;
    const alerts = createDaemonAlerts({ alerting, config, health: () => null, metrics: { recordAlertDelivery: () => {} }, log: pino({ level: 'silent' }) });
    await alerts.tick();
    alerts.stopSending();
    await alerts.tick();
    expect(aborted).toEqual([false, true]);
  });
});
