import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretRegistry } from '../core/secrets.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { startHttpReceiver } from '../../test/support/alert-receivers.ts';
import type { HttpReceiver } from '../../test/support/alert-receivers.ts';
import { alertsConfig } from './alert-config.ts';
import type { AlertsConfig } from './alert-config.ts';
import type { AlertStore } from './alert-store.ts';
import type { Channel } from './channels/channel.ts';
import { createChannels } from './channels/create-channels.ts';
import { deliverDue } from './deliver-due.ts';
import type { ObservedFinding } from './finding.ts';
import { planTransitions } from './plan-transitions.ts';

/**
 * A resolved notice still waiting when its finding comes back must never reach anyone: it would say
 * the problem is gone while it is open. Shadow-AI severity follows a grant's reach, so the notice
 * (old severity, maybe a digest) and the new alert (new severity, maybe at once) can take
 * different paths through the outbox.
 */
describe('a resolved notice superseded by the finding opening again', () => {
  let receiver: HttpReceiver;
  let store: AlertStore;
  let clock: number;
  const now = () => new Date(clock);

  beforeEach(async () => {
    receiver = await startHttpReceiver();
    store = await openSqliteAlertStore(':memory:');
  });
  afterEach(async () => {
    await store.close();
    await receiver.close();
  });

  const chatgpt = (severity: 'medium' | 'high'): ObservedFinding => ({
    id: 'shadow-1', org: 'contoso', type: 'shadow_ai', rule: 'shadow-ai', subject: 'm365-main/ai-app:chatgpt', label: 'ChatGPT', scope: 'm365-main', severity, detail: 'granted',
  });
  const observe = (config: AlertsConfig, runId: number, severity: 'medium' | 'high' | null) =>
    store.transition('contoso', (existing) =>
      planTransitions(existing, { org: 'contoso', runId, findings: severity ? [chatgpt(severity)] : [], coverage: [{ type: 'shadow_ai', scopes: ['m365-main'] }], unknown: [], notes: [] }, config, new Date(clock)),
    );
  /** What the receiver got, per channel path, as the text a person reads (a digest lists its items). */
  const received = (path?: string) => receiver.requests.filter((r) => path === undefined || r.path.includes(path)).map((r) => r.body);

  async function setup(extra: Record<string, unknown>, channelNames = ['slack']) {
    const config = alertsConfig.parse({ channels: channelNames.map((name) => ({ name, type: 'slack', webhookUrl: { env: `URL_${name}` } })), ...extra });
    const env = Object.fromEntries(channelNames.map((name) => [`URL_${name}`, receiver.url(`/services/${name}/B1/abcdefghijklmnopqrstuvwx`)]));
    const channels = await createChannels(config, { secrets: new SecretRegistry(env), now });
    return { config, channels, send: () => deliverDue({ store, channels, config, log: silentLogger(), now, scrub: (t) => t }) };
  }

  it('quiet hours: the medium resolved notice held overnight is never sent after the high alert that broke through', async () => {
    // The reviewer's scenario: quiet hours 22:00–07:00 Berlin, a digest of low and medium.
    const { config, send } = await setup({ quietHours: { from: '22:00', to: '07:00', timeZone: 'Europe/Berlin' }, digest: { severities: ['low', 'medium'], every: '1h' } });
    clock = Date.parse('2026-11-20T12:00:00Z');
    await observe(config, 1, 'medium');
    clock = Date.parse('2026-11-20T13:00:00Z');
    expect(await send()).toMatchObject({ delivered: 1 });
    clock = Date.parse('2026-11-20T23:00:00Z'); // resolved at night: a medium notice, so a digest row
    await observe(config, 2, null);
    await send();
    clock = Date.parse('2026-11-21T01:00:00Z'); // back, reaching the whole tenant: high breaks through
    await observe(config, 3, 'high');
    expect(await send()).toMatchObject({ delivered: 1 });
    clock = Date.parse('2026-11-21T06:00:00Z'); // quiet hours end
    expect(await send()).toMatchObject({ delivered: 0 });
    clock = Date.parse('2026-11-21T09:00:00Z');
    expect(await send()).toMatchObject({ delivered: 0 });

    const bodies = received();
    expect(bodies).toHaveLength(2);
    expect(bodies.some((b) => b.includes('Resolved'))).toBe(false);
    expect(bodies.at(-1)).toContain('Unapproved AI app with access to company data: ChatGPT');
    expect(await store.listOutbox({ undeliveredOnly: true })).toEqual([]);
    const resolved = (await store.listOutbox()).filter((r) => r.kind === 'resolved');
    expect(resolved).toHaveLength(1);
    // Kept, and explained: never sent, never given up, with why.
    expect(resolved[0]).toMatchObject({ deliveredAt: null, gaveUpAt: null, attempts: 0, supersededAt: '2026-11-21T01:00:00.000Z', supersededReason: expect.stringContaining('opened again at 2026-11-21T01:00:00.000Z (run 3)') });
  });

  it('no quiet hours: a resolved notice waiting for its digest is dropped on every channel when an immediate alert comes', async () => {
    const { config, send } = await setup({ digest: { severities: ['medium'], every: '1h' } }, ['secops', 'it']);
    clock = Date.parse('2026-11-20T09:10:00Z');
    await observe(config, 1, 'medium');
    clock = Date.parse('2026-11-20T10:00:00Z');
    expect(await send()).toMatchObject({ delivered: 2 }); // one digest per channel
    clock = Date.parse('2026-11-20T10:10:00Z');
    await observe(config, 2, null); // resolved: waits for the 11:00 digest
    expect(await send()).toMatchObject({ delivered: 0 });
    clock = Date.parse('2026-11-20T10:20:00Z');
    await observe(config, 3, 'high'); // back, high: sent at once
    expect(await send()).toMatchObject({ delivered: 2 });
    clock = Date.parse('2026-11-20T11:00:00Z');
    expect(await send()).toMatchObject({ delivered: 0 });

    for (const path of ['/services/secops/', '/services/it/']) {
      const bodies = received(path);
      expect(bodies).toHaveLength(2);
      expect(bodies.some((b) => b.includes('Resolved'))).toBe(false);
    }
    expect((await store.listOutbox()).filter((r) => r.kind === 'resolved').map((r) => r.supersededAt)).toEqual(['2026-11-20T10:20:00.000Z', '2026-11-20T10:20:00.000Z']);
  });

  it('resolved and back at the same severity within one digest window: the digest carries only the new alert', async () => {
    const { config, send } = await setup({ digest: { severities: ['medium'], every: '1h' } });
    clock = Date.parse('2026-11-20T09:10:00Z');
    await observe(config, 1, 'medium');
    clock = Date.parse('2026-11-20T10:00:00Z');
    await send();
    clock = Date.parse('2026-11-20T10:10:00Z');
    await observe(config, 2, null);
    clock = Date.parse('2026-11-20T10:20:00Z');
    await observe(config, 3, 'medium');
    clock = Date.parse('2026-11-20T11:00:00Z');
    expect(await send()).toMatchObject({ delivered: 1 });
    const digest = received().at(-1)!;
    expect(digest).toContain('Evidentia digest: 1 notice');
    expect(digest).not.toContain('Resolved');
  });

  it('without the finding coming back, exactly one resolved notice is sent', async () => {
    const { config, send } = await setup({ digest: { severities: ['medium'], every: '1h' } });
    clock = Date.parse('2026-11-20T09:10:00Z');
    await observe(config, 1, 'medium');
    clock = Date.parse('2026-11-20T10:00:00Z');
    await send();
    clock = Date.parse('2026-11-20T10:10:00Z');
    await observe(config, 2, null);
    clock = Date.parse('2026-11-20T10:20:00Z');
    await observe(config, 3, null);
    clock = Date.parse('2026-11-20T11:00:00Z');
    expect(await send()).toMatchObject({ delivered: 1 });
    clock = Date.parse('2026-11-20T12:00:00Z');
    expect(await send()).toMatchObject({ delivered: 0 });
    const bodies = received();
    expect(bodies).toHaveLength(2);
    expect(bodies.filter((b) => b.includes('Resolved: Unapproved AI app with access to company data: ChatGPT'))).toHaveLength(1);
    expect((await store.listOutbox()).every((r) => r.deliveredAt !== null && r.supersededAt === null)).toBe(true);
  });

  it('retention prunes a superseded notice like a delivered one, not before the cutoff', async () => {
    const { config, send } = await setup({ digest: { severities: ['medium'], every: '1h' } });
    clock = Date.parse('2026-11-20T09:10:00Z');
    await observe(config, 1, 'high');
    await send();
    clock = Date.parse('2026-11-20T10:10:00Z');
    await observe(config, 2, null);
    clock = Date.parse('2026-11-20T10:20:00Z');
    await observe(config, 3, 'medium');
    clock = Date.parse('2026-11-20T11:00:00Z');
    await send();
    expect(await store.prune(new Date('2026-11-20T10:19:00Z'))).toMatchObject({ deliveries: 1 }); // the first alert only
    expect((await store.listOutbox()).map((r) => r.kind)).toEqual(['resolved', 'alert']);
    expect(await store.prune(new Date('2026-11-21T00:00:00Z'))).toMatchObject({ deliveries: 2 });
    expect(await store.listFindings({ state: 'open' })).toHaveLength(1);
  });

  it('a deliverer that claimed the resolved notice before the finding came back does not send it', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }] });
    const sent: string[] = [];
    let onSend: (() => Promise<unknown>) | null = null;
    const channels = new Map<string, Channel>([
      ['slack', { name: 'slack', type: 'slack', close: async () => {}, send: async (m) => {
        sent.push(m.title);
        const hook = onSend;
        onSend = null;
        await hook?.();
      } } satisfies Channel],
    ]);
    const send = () => deliverDue({ store, channels, config, log: silentLogger(), now, scrub: (t) => t });
    const other: ObservedFinding = { ...chatgpt('high'), id: 'shadow-2', subject: 'm365-main/ai-app:otter', label: 'Otter.ai' };
    const run = (runId: number, findings: ObservedFinding[]) =>
      store.transition('contoso', (existing) => planTransitions(existing, { org: 'contoso', runId, findings, coverage: [{ type: 'shadow_ai', scopes: ['m365-main'] }], unknown: [], notes: [] }, config, new Date(clock)));
    clock = Date.parse('2026-11-20T09:00:00Z');
    await run(1, [chatgpt('high')]);
    await send();
    clock = Date.parse('2026-11-20T10:00:00Z');
    await run(2, [other]); // Otter.ai alert first, then ChatGPT's resolved notice: one claim takes both
    // While Otter.ai's alert is being sent, the next run sees ChatGPT again.
    onSend = () => run(3, [chatgpt('high'), other]);
    expect(await send()).toMatchObject({ delivered: 1 });
    expect(await send()).toMatchObject({ delivered: 1 });
    expect(sent).toEqual([
      'Unapproved AI app with access to company data: ChatGPT',
      'Unapproved AI app with access to company data: Otter.ai',
      'Unapproved AI app with access to company data: ChatGPT',
    ]);
    expect(await store.listOutbox({ undeliveredOnly: true })).toEqual([]);
  });

  it('a digest claimed with a resolved notice that is superseded before it goes out is sent without it, in the same pass', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }], digest: { severities: ['medium'], every: '1h' } });
    const sent: string[] = [];
    let onSend: (() => Promise<unknown>) | null = null;
    const channels = new Map<string, Channel>([
      ['slack', { name: 'slack', type: 'slack', close: async () => {}, send: async (m) => {
        sent.push(m.kind === 'digest' ? m.text : m.title);
        const hook = onSend;
        onSend = null;
        await hook?.();
      } } satisfies Channel],
    ]);
    const send = () => deliverDue({ store, channels, config, log: silentLogger(), now, scrub: (t) => t });
    const otter: ObservedFinding = { ...chatgpt('medium'), id: 'shadow-2', subject: 'm365-main/ai-app:otter', label: 'Otter.ai' };
    const leaver: ObservedFinding = { ...chatgpt('high'), id: 'leaver-1', type: 'leaver_access', rule: 'leaver-access', subject: 'm365-main/jo', label: 'jo@contoso.com' };
    const run = (runId: number, findings: ObservedFinding[]) =>
      store.transition('contoso', (existing) =>
        planTransitions(existing, { org: 'contoso', runId, findings, coverage: [{ type: 'shadow_ai', scopes: ['m365-main'] }, { type: 'leaver_access', scopes: ['m365-main'] }], unknown: [], notes: [] }, config, new Date(clock)));
    clock = Date.parse('2026-11-20T09:00:00Z');
    await run(1, [chatgpt('medium')]);
    clock = Date.parse('2026-11-20T10:00:00Z');
    await send();
    clock = Date.parse('2026-11-20T10:30:00Z');
    await run(2, [otter]); // ChatGPT resolved, Otter.ai new: both wait for the 11:00 digest
    clock = Date.parse('2026-11-20T11:00:00Z');
    await run(3, [otter, leaver]); // a high leaver alert, sent before the digest in the same pass
    onSend = () => run(4, [otter, leaver, chatgpt('high')]); // meanwhile ChatGPT is back
    expect(await send()).toMatchObject({ delivered: 2 });
    expect(sent.slice(1)).toEqual(['Leaver still has access: jo@contoso.com', '• Unapproved AI app with access to company data: Otter.ai']);
    expect(await send()).toMatchObject({ delivered: 1 }); // ChatGPT's new alert
    expect(sent.some((t) => t.includes('Resolved'))).toBe(false);
  });
});
