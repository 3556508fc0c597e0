import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneCommand } from '../cli/commands/prune.ts';
import { SecretRegistry } from '../core/secrets.ts';
import type { App } from '../run/app.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { startHttpReceiver, type HttpReceiver } from '../../test/support/alert-receivers.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { alertsConfig, type AlertsConfig } from './alert-config.ts';
import { findingMessage } from './alert-message.ts';
import type { AlertStore } from './alert-store.ts';
import { createChannels } from './channels/create-channels.ts';
import { deliverDue } from './deliver-due.ts';
import type { ObservedFinding } from './finding.ts';
import { planTransitions } from './plan-transitions.ts';
import { routeMessage } from './routing.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-01-05T09:00:00Z');

function finding(id: string, type: 'leaver_access' | 'shadow_ai', label: string): ObservedFinding {
  return { id, org: 'contoso', type, rule: type === 'leaver_access' ? 'leaver-access' : 'shadow-ai', subject: `m365-main/${label}`, label, scope: 'm365-main', severity: 'high', detail: `${label} is a problem` };
}
const LEAVER = finding('leaver-henrietta', 'leaver_access', 'henrietta@contoso.com');
const APP = finding('app-otter', 'shadow_ai', 'Otter.ai');

describe('alert retention', () => {
  let evidence: EvidenceStore;
  let path: string;
  let cleanup: () => Promise<void>;
  let store: AlertStore;
  let receiver: HttpReceiver;
  let config: AlertsConfig;
  let clock: number;
  let send: () => ReturnType<typeof deliverDue>;

  beforeEach(async () => {
    ({ store: evidence, path, cleanup } = await tempStore());
    store = await openSqliteAlertStore(path);
    receiver = await startHttpReceiver();
    // No reminders for leavers: after the prune, any message about the open leaver would be a repeat.
    config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }], reminders: { every: '24h', skip: ['leaver_access'] }, retry: { maxAttempts: 1 } });
    const now = () => new Date(clock);
    const channels = await createChannels(config, { secrets: new SecretRegistry({ URL: receiver.url('/services/T1/B1/abcdefghijklmnopqrstuvwx') }), now });
    send = () => deliverDue({ store, channels, config, log: silentLogger(), now, scrub: (t) => t });
  });
  afterEach(async () => {
    await store.close();
    await receiver.close();
    await cleanup();
  });

  const observe = (runId: number, seen: ObservedFinding[]) =>
    store.transition('contoso', (existing) =>
      planTransitions(existing, { org: 'contoso', runId, findings: seen, coverage: [{ type: 'leaver_access', scopes: ['m365-main'] }, { type: 'shadow_ai', scopes: ['m365-main'] }], unknown: [], notes: [] }, config, new Date(clock)),
    );
  const texts = () => receiver.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);

  it('deletes settled deliveries and their attempts, keeps what is due and open findings, and an old open problem never alerts again as new', async () => {
    clock = T0;
    await observe(1, [LEAVER, APP]);
    expect(await send()).toMatchObject({ delivered: 2 });
    clock = T0 + 3_600_000;
    await observe(2, [LEAVER]); // the app's grant was revoked: its resolved notice...
    receiver.answers.push({ status: 500, body: 'down' });
    expect(await send()).toMatchObject({ failed: 1, gaveUp: 1 }); // ...is given up (one attempt allowed)
    // A message enqueued long ago that is still not due (e.g. a digest window far ahead): never pruned.
    const late = findingMessage('alert', { ...LEAVER, id: 'late', firstSeenAt: new Date(clock).toISOString() }, new Date(clock).toISOString(), 2);
    await store.transition('contoso', () => ({ findings: [], outbox: routeMessage(config, late, new Date(clock)).map((o) => ({ ...o, notBefore: new Date(T0 + 300 * DAY).toISOString() })), events: [] }));

    clock = T0 + 200 * DAY;
    const out = new PassThrough();
    let said = '';
    out.on('data', (d: Buffer) => (said += d.toString()));
    const app = { store: evidence, config: { retention: { alertDeliveriesDays: 90 }, store: { path } } } as unknown as App;
    expect(await pruneCommand(app, { now: () => new Date(clock), out })).toBe(0);
    expect(said).toContain(
      `Pruned 3 alert deliveries (3 attempts) delivered, given up or superseded before ${new Date(clock - 90 * DAY).toISOString()}, and 1 alert finding resolved before then; messages still due and open findings are kept.`,
    );
    const kept = await store.listOutbox();
    expect(kept.map((r) => [r.findingId, r.deliveredAt, r.gaveUpAt])).toEqual([['late', null, null]]);
    expect(await store.listAttempts(1)).toEqual([]);
    expect((await store.listFindings()).map((f) => [f.id, f.state])).toEqual([[LEAVER.id, 'open']]);
    // Nothing left to prune the second time.
    expect(await store.prune(new Date(clock - 90 * DAY))).toEqual({ deliveries: 0, attempts: 0, findings: 0 });

    // The next run still sees the leaver: no new alert.
    const again = await observe(3, [LEAVER]);
    expect(again.events).toEqual([]);
    expect(again.outbox).toEqual([]);
    expect(await send()).toMatchObject({ delivered: 0, failed: 0 });
    // Access removed: one resolved notice.
    const resolved = await observe(4, []);
    expect(resolved.events).toEqual([{ kind: 'resolved', findingId: LEAVER.id }]);
    expect(await send()).toMatchObject({ delivered: 1 });
    expect(await send()).toMatchObject({ delivered: 0 });
    expect(texts().filter((t) => t.includes('henrietta'))).toHaveLength(2);
    expect(texts().at(-1)).toMatch(/^Resolved: Leaver still has access: henrietta/);
    expect(receiver.requests).toHaveLength(4);
  });

  it('keeps everything younger than the cutoff', async () => {
    clock = T0;
    await observe(1, [APP]);
    await send();
    await observe(2, []);
    await send();
    clock = T0 + 89 * DAY;
    expect(await store.prune(new Date(clock - 90 * DAY))).toEqual({ deliveries: 0, attempts: 0, findings: 0 });
    expect(await store.listOutbox()).toHaveLength(2);
    expect(await store.listFindings()).toHaveLength(1);
  });
});
