import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { alertsConfig, type AlertsConfig } from './alert-config.ts';
import { findingMessage, type AlertMessage } from './alert-message.ts';
import type { AlertStore } from './alert-store.ts';
import type { Channel } from './channels/channel.ts';
import { deliverDue } from './deliver-due.ts';
import type { Severity } from './finding.ts';
import { routeMessage } from './routing.ts';

const MIN = 60_000;

/** Two deliverers on one database file, each with its own connection, as the daemon and `collect` are. */
describe('deliverDue with two deliverers', () => {
  let dir: string;
  let a: AlertStore;
  let b: AlertStore;
  let clock: number;
  const now = () => new Date(clock);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-deliver-'));
    a = await openSqliteAlertStore(join(dir, 'evidence.db'));
    b = await openSqliteAlertStore(join(dir, 'evidence.db'));
    clock = Date.parse('2026-11-20T09:00:00Z');
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await rm(dir, { recursive: true, force: true });
  });

  function msg(label: string, severity: Severity = 'high'): AlertMessage {
    const at = new Date(clock).toISOString();
    return findingMessage('alert', { id: label, org: 'contoso', type: 'shadow_ai', label, subject: `m365-main/${label}`, scope: 'm365-main', severity, detail: `${label} granted`, firstSeenAt: at }, at, 1);
  }
  const enqueue = (config: AlertsConfig, m: AlertMessage) => a.transition('contoso', () => ({ findings: [], outbox: routeMessage(config, m, new Date(clock)), events: [] }));
  const channel = (send: Channel['send']): Map<string, Channel> => new Map([['slack', { name: 'slack', type: 'slack', send, close: async () => {} } satisfies Channel]]);
  const deliver = (store: AlertStore, config: AlertsConfig, channels: Map<string, Channel>) => deliverDue({ store, channels, config, log: silentLogger(), now, scrub: (t) => t });

  it('a slow batch that outlasts its claim never lets another deliverer send the same message', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }] });
    for (const label of ['one', 'two', 'three', 'four']) await enqueue(config, msg(label));
    const sent: string[] = [];
    const viaB = channel(async (m) => void sent.push(m.title));
    let sendsByA = 0;
    const viaA = channel(async (m) => {
      // Each send takes 4 minutes (well under the lease); the whole batch takes longer than it.
      clock += 4 * MIN;
      if (++sendsByA === 3) {
        // Meanwhile `collect` works the outbox: the batch's original claim has run out.
        clock += 1 * MIN;
        await deliver(b, config, viaB);
      }
      sent.push(m.title);
    });
    await deliver(a, config, viaA);
    expect(sent.sort()).toEqual(['one', 'two', 'three', 'four'].map((l) => `Unapproved AI app with access to company data: ${l}`).sort());
    const rows = await a.listOutbox();
    expect(rows.every((r) => r.deliveredAt !== null && r.attempts === 1)).toBe(true);
  });

  it('once stopped, finishes the send in flight and leaves the rest due for the next deliverer at once', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }] });
    for (const label of ['one', 'two', 'three']) await enqueue(config, msg(label));
    const stop = new AbortController();
    const byA: string[] = [];
    const viaA = channel(async (m) => {
      stop.abort(); // SIGTERM while the first message is being sent
      byA.push(m.title);
    });
    const report = await deliverDue({ store: a, channels: viaA, config, log: silentLogger(), now, scrub: (t) => t, signal: stop.signal });
    expect(report).toMatchObject({ delivered: 1, failed: 0 });
    expect(byA).toEqual(['Unapproved AI app with access to company data: one']);
    // No lease to wait out: the next start sends the other two straight away.
    const byB: string[] = [];
    expect(await deliver(b, config, channel(async (m) => void byB.push(m.title)))).toMatchObject({ delivered: 2 });
    expect(byB).toEqual(['two', 'three'].map((l) => `Unapproved AI app with access to company data: ${l}`));
  });

  it('a digest retried with other messages in it goes out under a new delivery id; the same set keeps its id', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }], digest: { severities: ['low'], every: '1h' } });
    await enqueue(config, msg('one', 'low'));
    await enqueue(config, msg('two', 'low'));
    const ids: string[] = [];
    let fail = true;
    const slack = channel(async (_m, deliveryId) => {
      ids.push(deliveryId);
      if (fail) throw new Error('receiver down');
    });
    clock += 61 * MIN;
    expect(await deliver(a, config, slack)).toMatchObject({ failed: 2 });
    clock += 1 * MIN;
    expect(await deliver(a, config, slack)).toMatchObject({ failed: 2 });
    expect(ids[1]).toBe(ids[0]);

    await enqueue(config, msg('three', 'low'));
    clock += 61 * MIN;
    fail = false;
    expect(await deliver(a, config, slack)).toMatchObject({ delivered: 3 });
    expect(ids).toHaveLength(3);
    // A receiver dropping repeats by id would otherwise drop this digest, and "three" with it.
    expect(ids[2]).not.toBe(ids[0]);
    const rows = await a.listOutbox();
    expect(rows.map((r) => r.deliveryId)).not.toContain(ids[2]);
  });

  it('an interrupt cuts even a send that ignores its signal: one interrupted attempt, due at once, the same id next time', async () => {
    const config = alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }], retry: { maxAttempts: 1 } });
    await enqueue(config, msg('one'));
    await enqueue(config, msg('two'));
    const stop = new AbortController();
    const interrupt = new AbortController();
    const ids: string[] = [];
    const hangs = channel((_m, deliveryId) => {
      ids.push(deliveryId);
      stop.abort();
      interrupt.abort(); // the stop bound ran out while the receiver says nothing
      return new Promise<void>(() => {});
    });
    const report = await deliverDue({ store: a, channels: hangs, config, log: silentLogger(), now, scrub: (t) => t, signal: stop.signal, interrupt: interrupt.signal });
    expect(report).toMatchObject({ delivered: 0, failed: 1, interrupted: 1, gaveUp: 0 });
    const [first, second] = await a.listOutbox();
    // Not given up although maxAttempts is 1: the receiver did not fail, the sender stopped.
    expect(first).toMatchObject({ attempts: 1, deliveredAt: null, gaveUpAt: null, leaseUntil: null, nextAttemptAt: new Date(clock).toISOString() });
    expect(await a.listAttempts(first!.id)).toMatchObject([{ ok: false, interrupted: true }]);
    expect(second).toMatchObject({ attempts: 0 });

    const again: string[] = [];
    expect(await deliver(b, config, channel(async (_m, deliveryId) => void again.push(deliveryId)))).toMatchObject({ delivered: 2 });
    expect(again[0]).toBe(ids[0]);
    expect((await a.listAttempts(first!.id)).map((x) => [x.ok, x.interrupted])).toEqual([[false, true], [true, false]]);
  });
});
