import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretRegistry } from '../core/secrets.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { startHttpReceiver } from '../../test/support/alert-receivers.ts';
import type { HttpReceiver } from '../../test/support/alert-receivers.ts';
import { alertsConfig } from './alert-config.ts';
import type { AlertsConfig } from './alert-config.ts';
import { findingMessage } from './alert-message.ts';
import type { AlertMessage } from './alert-message.ts';
import type { AlertStore } from './alert-store.ts';
import { createChannels } from './channels/create-channels.ts';
import { deliverDue } from './deliver-due.ts';
import type { Severity } from './finding.ts';
import { quietUntil } from './quiet-hours.ts';
import { routeMessage } from './routing.ts';
import { planTransitions } from './plan-transitions.ts';
import type { Observation } from './finding.ts';

describe('quietUntil', () => {
  const q = { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin', bypass: 'high' as const };
  it('spans midnight in the configured zone and ends at its local end time', () => {
    // 21:30 UTC is 22:30 in Berlin (CET, UTC+1): quiet until 07:00 Berlin = 06:00 UTC next day.
    expect(quietUntil(new Date('2026-11-20T21:30:00Z'), q)?.toISOString()).toBe('2026-11-21T06:00:00.000Z');
    expect(quietUntil(new Date('2026-11-21T05:59:00Z'), q)?.toISOString()).toBe('2026-11-21T06:00:00.000Z');
    expect(quietUntil(new Date('2026-11-21T06:00:00Z'), q)).toBeNull();
    expect(quietUntil(new Date('2026-11-20T20:59:00Z'), q)).toBeNull();
  });
  it('follows daylight saving time', () => {
    // Summer (CEST, UTC+2): 07:00 Berlin is 05:00 UTC.
    expect(quietUntil(new Date('2026-07-01T03:00:00Z'), q)?.toISOString()).toBe('2026-07-01T05:00:00.000Z');
    // The night clocks go back (25 Oct 2026): 22:00 CEST on the 24th to 07:00 CET on the 25th.
    expect(quietUntil(new Date('2026-10-24T23:00:00Z'), q)?.toISOString()).toBe('2026-10-25T06:00:00.000Z');
  });
  it('handles a window within one day', () => {
    expect(quietUntil(new Date('2026-11-21T13:00:00Z'), { ...q, from: '12:00', to: '14:00', timeZone: 'UTC' })?.toISOString()).toBe('2026-11-21T14:00:00.000Z');
  });
});

describe('delivery with quiet hours and digests', () => {
  let receiver: HttpReceiver;
  let store: AlertStore;
  let clock: number;

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    store = await openSqliteAlertStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
    await receiver.close();
  });

  function msg(severity: Severity, label: string): AlertMessage {
    return findingMessage(
      'alert',
      { id: label, org: 'contoso', type: 'shadow_ai', label, subject: `m365-main/${label}`, scope: 'm365-main', severity, detail: `${label} granted`, firstSeenAt: new Date(clock).toISOString() },
      new Date(clock).toISOString(),
      1,
    );
  }

  async function setup(extra: Partial<Record<string, unknown>>): Promise<{ config: AlertsConfig; send: () => ReturnType<typeof deliverDue>; enqueue: (m: AlertMessage) => Promise<void> }> {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }], ...extra });
    const now = () => new Date(clock);
    const channels = await createChannels(config, { secrets: new SecretRegistry({ URL: receiver.url('/services/T1/B1/abcdefghijklmnopqrstuvwx') }), now });
    return {
      config,
      send: () => deliverDue({ store, channels, config, log: silentLogger(), now, scrub: (t) => t }),
      enqueue: async (m) => {
        await store.transition('contoso', () => ({ findings: [], outbox: routeMessage(config, m, new Date(clock)), events: [] }));
      },
    };
  }

  it('holds medium alerts during quiet hours, lets high ones through, and sends the held ones when quiet hours end', async () => {
    const { send, enqueue } = await setup({ quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' } });
    clock = Date.parse('2026-11-20T22:30:00Z'); // 23:30 in Berlin
    await enqueue(msg('medium', 'Otter.ai'));
    await enqueue(msg('high', 'ChatGPT'));
    const night = await send();
    expect(night).toMatchObject({ delivered: 1, postponed: 1 });
    expect(JSON.parse(receiver.requests[0]!.body).text).toContain('ChatGPT');
    clock = Date.parse('2026-11-21T05:59:00Z'); // 06:59 in Berlin
    expect((await send()).delivered).toBe(0);
    clock = Date.parse('2026-11-21T06:00:00Z'); // 07:00 in Berlin
    expect((await send()).delivered).toBe(1);
    expect(JSON.parse(receiver.requests[1]!.body).text).toContain('Otter.ai');
    expect(receiver.requests).toHaveLength(2);
  });

  it('a high finding opened in quiet hours is sent at once; its resolution in quiet hours waits for their end and is sent once', async () => {
    const { config, send } = await setup({ quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' } });
    const finding = { id: 'leaver-1', org: 'contoso', type: 'leaver_access' as const, rule: 'leaver-access', subject: 'm365-main/henrietta', label: 'henrietta@contoso.com', scope: 'm365-main', severity: 'high' as const, detail: 'still enabled 30 h after leaving' };
    const observe = async (runId: number, seen: boolean) => {
      const obs: Observation = { org: 'contoso', runId, findings: seen ? [finding] : [], coverage: [{ type: 'leaver_access', scopes: ['m365-main'] }], unknown: [], notes: [] };
      await store.transition('contoso', (existing) => planTransitions(existing, obs, config, new Date(clock)));
    };
    const titles = () => receiver.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);

    clock = Date.parse('2026-11-20T22:30:00Z'); // 23:30 in Berlin
    await observe(1, true);
    expect(await send()).toMatchObject({ delivered: 1, postponed: 0 });
    expect(titles()).toEqual([expect.stringMatching(/^Leaver still has access: henrietta/)]);

    clock = Date.parse('2026-11-21T02:00:00Z'); // 03:00 in Berlin: the leaver's access was removed
    await observe(2, false);
    expect(await send()).toMatchObject({ delivered: 0, postponed: 1 });
    clock = Date.parse('2026-11-21T05:59:00Z');
    expect(await send()).toMatchObject({ delivered: 0 });
    expect(receiver.requests).toHaveLength(1);

    clock = Date.parse('2026-11-21T06:00:00Z'); // 07:00 in Berlin: quiet hours are over
    expect(await send()).toMatchObject({ delivered: 1 });
    clock = Date.parse('2026-11-21T09:00:00Z');
    expect(await send()).toMatchObject({ delivered: 0 });
    expect(titles()).toEqual([expect.stringMatching(/^Leaver still has access/), expect.stringMatching(/^Resolved: Leaver still has access: henrietta/)]);
  });

  it('a finding resolved and back within one night: the held resolved notice is superseded; only the new alert goes out', async () => {
    const { config, send } = await setup({ quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' } });
    const finding = { id: 'leaver-3', org: 'contoso', type: 'leaver_access' as const, rule: 'leaver-access', subject: 'm365-main/jo', label: 'jo@contoso.com', scope: 'm365-main', severity: 'high' as const, detail: 'still enabled' };
    const observe = (runId: number, seen: boolean) =>
      store.transition('contoso', (existing) =>
        planTransitions(existing, { org: 'contoso', runId, findings: seen ? [finding] : [], coverage: [{ type: 'leaver_access', scopes: ['m365-main'] }], unknown: [], notes: [] }, config, new Date(clock)),
      );
    const texts = () => receiver.requests.map((r) => (JSON.parse(r.body) as { text: string }).text);
    clock = Date.parse('2026-11-20T22:30:00Z');
    await observe(1, true);
    expect(await send()).toMatchObject({ delivered: 1 });
    clock = Date.parse('2026-11-21T01:00:00Z');
    await observe(2, false);
    expect(await send()).toMatchObject({ delivered: 0, postponed: 1 });
    clock = Date.parse('2026-11-21T03:00:00Z'); // the account is enabled again
    await observe(3, true);
    expect(await send()).toMatchObject({ delivered: 1, postponed: 0 });
    clock = Date.parse('2026-11-21T06:00:00Z');
    expect(await send()).toMatchObject({ delivered: 0 });
    // "Resolved" between the two alerts would be true but tells nobody anything they can act on at
    // night; sent at all it risks arriving after the alert. The open finding's last word is its alert.
    expect(texts()).toEqual([expect.stringMatching(/^Leaver still has access: jo@/), expect.stringMatching(/^Leaver still has access: jo@/)]);
    expect((await store.listOutbox()).filter((r) => r.kind === 'resolved')).toMatchObject([{ deliveredAt: null, supersededAt: '2026-11-21T03:00:00.000Z' }]);
  });

  it('a reminder of a still-open high finding breaks through quiet hours', async () => {
    const { config, send } = await setup({ quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' }, reminders: { every: '24h' } });
    const finding = { id: 'leaver-2', org: 'contoso', type: 'leaver_access' as const, rule: 'leaver-access', subject: 'm365-main/ivo', label: 'ivo@contoso.com', scope: 'm365-main', severity: 'high' as const, detail: 'still enabled' };
    const observe = async (runId: number) =>
      store.transition('contoso', (existing) => planTransitions(existing, { org: 'contoso', runId, findings: [finding], coverage: [], unknown: [], notes: [] }, config, new Date(clock)));
    clock = Date.parse('2026-11-20T12:00:00Z');
    await observe(1);
    expect(await send()).toMatchObject({ delivered: 1 });
    clock = Date.parse('2026-11-21T23:00:00Z'); // 00:00 in Berlin, a day and more later
    const changes = await observe(2);
    expect(changes.events).toEqual([{ kind: 'reminder', findingId: 'leaver-2' }]);
    expect(await send()).toMatchObject({ delivered: 1, postponed: 0 });
    expect((JSON.parse(receiver.requests[1]!.body) as { text: string }).text).toMatch(/^Reminder: Leaver still has access/);
  });

  it('collects low-severity messages into one digest per interval', async () => {
    const { send, enqueue } = await setup({ digest: { severities: ['low'], every: '1h' } });
    clock = Date.parse('2026-11-20T09:05:00Z');
    await enqueue(msg('low', 'Grammarly'));
    clock = Date.parse('2026-11-20T09:40:00Z');
    await enqueue(msg('low', 'Otter.ai'));
    await enqueue(msg('high', 'ChatGPT'));
    expect((await send()).delivered).toBe(1); // the high one, at once
    clock = Date.parse('2026-11-20T10:00:00Z'); // the window ends
    const digest = await send();
    expect(digest.delivered).toBe(2);
    expect(digest.outcomes).toHaveLength(1);
    expect(receiver.requests).toHaveLength(2);
    const body = JSON.parse(receiver.requests[1]!.body) as { blocks: { text?: { text: string } }[] };
    expect(body.blocks[0]!.text!.text).toBe('Evidentia digest: 2 notices');
    expect(body.blocks[1]!.text!.text).toContain('Grammarly');
    expect(body.blocks[1]!.text!.text).toContain('Otter.ai');
    clock = Date.parse('2026-11-20T11:00:00Z');
    expect((await send()).delivered).toBe(0);
  });
});
