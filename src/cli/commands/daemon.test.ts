import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listenOn } from '../../../fixtures/_shared/loopback-server.ts';
import { configSchema, type AgentConfig } from '../../config/agent-config.ts';
import { openApp, type App } from '../../run/app.ts';
import { openSqliteAlertStore } from '../../store/sqlite/alert-store.ts';
import { EXIT } from '../exit-codes.ts';
import { daemonCommand } from './daemon.ts';
import { testMessage } from '../../alert/alert-message.ts';

/** A webhook receiver on 127.0.0.1 that answers each request only when the test says so. */
async function startHeldReceiver() {
  const held: Array<{ body: string; headers: IncomingHttpHeaders; answer: (status: number) => void }> = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      held.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, answer: (status) => res.writeHead(status).end(status === 200 ? 'ok' : 'down') });
      waiters.splice(0).forEach((w) => w());
    });
  });
  const port = await listenOn(server, '127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    held,
    async request(n: number): Promise<{ body: string; headers: IncomingHttpHeaders; answer: (status: number) => void }> {
      while (held.length < n) await new Promise<void>((r) => waiters.push(r));
      return held[n - 1]!;
    },
    close: () => closeServer(server),
  };
}

describe('evidentia daemon with alerts', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startHeldReceiver>>;
  let app: App;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-daemon-alerts-'));
    receiver = await startHeldReceiver();
    const config = configSchema.parse({
      store: { path: join(dir, 'evidence.db') },
      // No slot during the test: only the catch-up run (nothing stored yet) runs.
      daemon: { schedule: '0 0 1 1 *', jitterSeconds: 0, http: { port: 0 } },
      // The roster file does not exist: the connector fails, which is alerted.
      organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'hr-csv', id: 'roster', file: join(dir, 'missing.csv'), timezone: 'UTC' }] }],
      alerts: {
        channels: [{ name: 'siem', type: 'webhook', url: { env: 'HOOK_URL' }, signingKey: { env: 'HOOK_KEY' } }],
        routes: [{ events: ['connector_failed'], channels: ['siem'] }],
        retry: { initialDelay: '1s' },
      },
    });
    app = await openApp({ config, env: { HOOK_URL: receiver.url, HOOK_KEY: 'daemon-test-key-12345678' }, logLevel: 'silent' });
  });
  afterEach(async () => {
    await app.close();
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a slow receiver does not keep the run open, and SIGTERM during a send records it as delivered (no duplicate)', async () => {
    const signal = new AbortController();
    const err = new PassThrough();
    let said = '';
    err.on('data', (d: Buffer) => (said += d.toString()));
    const exited = daemonCommand(app, { signal: signal.signal, err, alertTickMs: 50 });

    // The catch-up run's alert is being sent and the receiver has not answered yet.
    const first = await receiver.request(1);
    expect(JSON.parse(first.body).message).toMatchObject({ kind: 'alert', type: 'connector_failed' });
    const url = /health and metrics at (http:\/\/127\.0\.0\.1:\d+)\/healthz/.exec(said)![1]!;
    const health = (await (await fetch(`${url}/healthz`)).json()) as { organisations: Array<{ running: boolean; lastRun: { id: number } | null }> };
    // The run is over even though its alert is not delivered: the org's next slot would not be skipped.
    expect(health.organisations[0]).toMatchObject({ running: false, lastRun: { id: 1 } });
    first.answer(503);

    // The retry comes from the timer; SIGTERM arrives while the receiver holds it.
    const retry = await receiver.request(2);
    signal.abort();
    await new Promise((r) => setTimeout(r, 200));
    retry.answer(200);
    expect(await exited).toBe(EXIT.interrupted);

    const store = await openSqliteAlertStore(join(dir, 'evidence.db'));
    try {
      const [row] = await store.listOutbox();
      expect(row).toMatchObject({ attempts: 2, lastError: null });
      expect(row!.deliveredAt).not.toBeNull();
    } finally {
      await store.close();
    }
    // Sent once more would show here: nothing is left to send after a restart.
    expect(receiver.held).toHaveLength(2);
  }, 20_000);
});

describe('evidentia daemon stopping while a receiver never answers', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startHeldReceiver>>;
  let config: AgentConfig;
  const env = () => ({ HOOK_URL: receiver.url, HOOK_KEY: 'daemon-test-key-12345678' });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-daemon-stop-'));
    receiver = await startHeldReceiver();
    config = configSchema.parse({
      store: { path: join(dir, 'evidence.db') },
      daemon: { schedule: '0 0 1 1 *', jitterSeconds: 0, http: { port: 0 } },
      organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'hr-csv', id: 'roster', file: join(dir, 'missing.csv'), timezone: 'UTC' }] }],
      alerts: {
        // The channel would wait a minute for an answer; the stop bound is one second.
        channels: [{ name: 'siem', type: 'webhook', url: { env: 'HOOK_URL' }, signingKey: { env: 'HOOK_KEY' }, timeoutMs: 60_000 }],
        routes: [{ events: ['connector_failed'], channels: ['siem'] }],
        stopTimeout: '1s',
      },
    });
  });
  afterEach(async () => {
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prunes settled alert history after a run; SIGTERM cuts the send after alerts.stopTimeout, records it as interrupted, and the next start sends it again under the same delivery id', async () => {
    // A delivery settled long ago: the daemon's retention step after its first run removes it (default 90 days).
    const seeded = await openSqliteAlertStore(join(dir, 'evidence.db'));
    try {
      const at = '2025-01-01T00:00:00.000Z';
      await seeded.transition('acme', () => ({ findings: [], outbox: [{ findingId: null, org: 'acme', kind: 'test', channel: 'siem', severity: 'low', mode: 'single', message: testMessage('siem', at), notBefore: at }], events: [] }));
      await seeded.recordAttempt([(await seeded.listOutbox())[0]!.id], { ok: true, at });
    } finally {
      await seeded.close();
    }
    const first = await openApp({ config, env: env(), logLevel: 'silent' });
    const stop = new AbortController();
    const exited = daemonCommand(first, { signal: stop.signal, err: new PassThrough(), alertTickMs: 50 });
    const sent = await receiver.request(1); // never answered
    const stoppedAt = Date.now();
    stop.abort();
    expect(await exited).toBe(EXIT.interrupted);
    // Bounded by stopTimeout (1 s), not by the channel's 60 s timeout; the margin is for a busy machine.
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);
    await first.close();

    const alerts = await openSqliteAlertStore(join(dir, 'evidence.db'));
    try {
      const rows = await alerts.listOutbox();
      expect(rows.map((r) => r.kind)).toEqual(['alert']); // the old test delivery was pruned
      const [row] = rows;
      expect(row).toMatchObject({ attempts: 1, deliveredAt: null, gaveUpAt: null, leaseUntil: null });
      expect(await alerts.listAttempts(row!.id)).toMatchObject([{ ok: false, interrupted: true }]);
    } finally {
      await alerts.close();
    }

    const second = await openApp({ config, env: env(), logLevel: 'silent' });
    const stopAgain = new AbortController();
    const again = daemonCommand(second, { signal: stopAgain.signal, err: new PassThrough(), alertTickMs: 50 });
    const resent = await receiver.request(2);
    resent.answer(200);
    stopAgain.abort(); // the answer is in: the send is recorded as delivered well within the bound
    expect(await again).toBe(EXIT.interrupted);
    await second.close();

    const id = sent.headers['x-evidentia-delivery'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(resent.headers['x-evidentia-delivery']).toBe(id);
    expect((JSON.parse(resent.body) as { deliveryId: string }).deliveryId).toBe(id);
    expect(resent.body).toBe(sent.body); // the same message, byte for byte
    const store = await openSqliteAlertStore(join(dir, 'evidence.db'));
    try {
      const [row] = await store.listOutbox();
      expect(row!.deliveredAt).not.toBeNull();
      const attempts = await store.listAttempts(row!.id);
      expect(attempts.map((a) => [a.ok, a.interrupted])).toEqual([[false, true], [true, false]]);
    } finally {
      await store.close();
    }
    expect(receiver.held).toHaveLength(2);
  }, 30_000);
});
