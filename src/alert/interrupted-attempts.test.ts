import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { alertsConfig } from './alert-config.ts';
import type { AlertsConfig } from './alert-config.ts';
import { findingMessage } from './alert-message.ts';
import type { AlertStore } from './alert-store.ts';
import type { Channel } from './channels/channel.ts';
import { deliverDue } from './deliver-due.ts';
import { routeMessage } from './routing.ts';

const SEC = 1000;

/**
 * A send cut because Evidentia is stopping says nothing about the receiver: restarts must not use up
 * a message's retries or stretch its backoff, and a receiver's real error must not be filed as a cut.
 */
describe('interrupted sends and the retry budget', () => {
  let store: AlertStore;
  let clock: number;
  const now = () => new Date(clock);

  beforeEach(async () => {
    store = await openSqliteAlertStore(':memory:');
    clock = Date.parse('2026-11-20T09:00:00Z');
  });
  afterEach(async () => store.close());

  const config = (retry: Record<string, unknown>): AlertsConfig =>
    alertsConfig.parse({ channels: [{ name: 'slack', type: 'slack', webhookUrl: { env: 'URL' } }], retry: { initialDelay: '30s', maxDelay: '1h', ...retry } });
  async function enqueue(c: AlertsConfig): Promise<number> {
    const at = new Date(clock).toISOString();
    const m = findingMessage('alert', { id: 'leaver-1', org: 'contoso', type: 'leaver_access', label: 'jo@contoso.com', subject: 'm365-main/jo', scope: 'm365-main', severity: 'high', detail: 'still enabled', firstSeenAt: at }, at, 1);
    await store.transition('contoso', () => ({ findings: [], outbox: routeMessage(c, m, new Date(clock)), events: [] }));
    return (await store.listOutbox())[0]!.id;
  }
  const slack = (send: Channel['send']) => new Map<string, Channel>([['slack', { name: 'slack', type: 'slack', send, close: async () => {} }]]);
  /** One delivery pass during which shutdown cuts the send: the channel honours its signal, as the real ones do. */
  async function interruptedPass(c: AlertsConfig) {
    const interrupt = new AbortController();
    const channels = slack(
      (_m, _id, signal) =>
        new Promise<void>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(new Error('The operation was aborted')), { once: true });
          interrupt.abort(); // the stop bound ran out while the receiver was still answering
        }),
    );
    return deliverDue({ store, channels, config: c, log: silentLogger(), now, scrub: (t) => t, interrupt: interrupt.signal });
  }
  const failingPass = (c: AlertsConfig) =>
    deliverDue({ store, channels: slack(async () => Promise.reject(new Error('HTTP 500 from the receiver'))), config: c, log: silentLogger(), now, scrub: (t) => t });

  it('any number of shutdown interruptions never gives a message up; the receiver\'s own failures still do', async () => {
    const c = config({ maxAttempts: 2 });
    const id = await enqueue(c);
    for (let i = 0; i < 5; i++) {
      expect(await interruptedPass(c)).toMatchObject({ interrupted: 1, gaveUp: 0 });
      clock += 10 * SEC;
    }
    expect((await store.listOutbox())[0]).toMatchObject({ attempts: 5, interruptions: 5, gaveUpAt: null, deliveredAt: null, nextAttemptAt: new Date(clock - 10 * SEC).toISOString() });

    // The first real failure after five cuts waits the initial delay, as a first failure does.
    expect(await failingPass(c)).toMatchObject({ failed: 1, gaveUp: 0, interrupted: 0 });
    expect((await store.listOutbox())[0]).toMatchObject({ gaveUpAt: null, nextAttemptAt: new Date(clock + 30 * SEC).toISOString() });
    clock += 30 * SEC;
    expect(await failingPass(c)).toMatchObject({ failed: 1, gaveUp: 1 });
    const attempts = await store.listAttempts(id);
    expect(attempts.map((a) => a.interrupted)).toEqual([true, true, true, true, true, false, false]);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('an interruption between two failures does not lengthen the backoff', async () => {
    const c = config({ maxAttempts: 10 });
    await enqueue(c);
    await failingPass(c);
    expect((await store.listOutbox())[0]!.nextAttemptAt).toBe(new Date(clock + 30 * SEC).toISOString());
    clock += 30 * SEC;
    await interruptedPass(c); // due again at once
    expect((await store.listOutbox())[0]!.nextAttemptAt).toBe(new Date(clock).toISOString());
    await failingPass(c);
    // The second failure: 60 s, as without the interruption (not 120 s as a third attempt would wait).
    expect((await store.listOutbox())[0]!.nextAttemptAt).toBe(new Date(clock + 60 * SEC).toISOString());
  });

  it('a receiver error that arrives before the interrupt is a normal failure, not an interruption', async () => {
    const c = config({ maxAttempts: 1 });
    const id = await enqueue(c);
    const interrupt = new AbortController();
    const report = await deliverDue({
      store,
      channels: slack(async () => Promise.reject(new Error('HTTP 500 from the receiver'))),
      config: c,
      log: silentLogger(),
      now,
      // The stop bound runs out just after the error came back, before the attempt is recorded.
      scrub: (t) => (interrupt.abort(), t),
      interrupt: interrupt.signal,
    });
    expect(report).toMatchObject({ failed: 1, interrupted: 0, gaveUp: 1 });
    expect(report.outcomes[0]).toMatchObject({ error: 'HTTP 500 from the receiver', interrupted: false, gaveUp: true });
    expect(await store.listAttempts(id)).toMatchObject([{ ok: false, interrupted: false, error: 'HTTP 500 from the receiver' }]);
  });

  it('a send already cut when it starts is interrupted, and a success is recorded once', async () => {
    const c = config({ maxAttempts: 1 });
    const id = await enqueue(c);
    const interrupt = new AbortController();
    interrupt.abort();
    const pending = slack((_m, _id, signal) => new Promise<void>((_r, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')))));
    expect(await deliverDue({ store, channels: pending, config: c, log: silentLogger(), now, scrub: (t) => t, interrupt: interrupt.signal })).toMatchObject({ interrupted: 1, gaveUp: 0 });
    expect(await deliverDue({ store, channels: slack(async () => {}), config: c, log: silentLogger(), now, scrub: (t) => t })).toMatchObject({ delivered: 1 });
    expect((await store.listAttempts(id)).map((a) => [a.ok, a.interrupted])).toEqual([[false, true], [true, false]]);
  });
});
