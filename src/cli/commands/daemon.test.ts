import { createServer, type ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listenOn } from '../../../fixtures/_shared/loopback-server.ts';
import { configSchema } from '../../core/config.ts';
import { openApp, type App } from '../../run/app.ts';
import { openSqliteAlertStore } from '../../store/sqlite/alert-store.ts';
import { EXIT } from '../exit-codes.ts';
import { daemonCommand } from './daemon.ts';

/** A webhook receiver on 127.0.0.1 that answers each request only when the test says so. */
async function startHeldReceiver() {
  const held: Array<{ body: string; answer: (status: number) => void }> = [];
  const waiters: Array<() => void> = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      held.push({ body: Buffer.concat(chunks).toString('utf8'), answer: (status) => res.writeHead(status).end(status === 200 ? 'ok' : 'down') });
      waiters.splice(0).forEach((w) => w());
    });
  });
  const port = await listenOn(server, '127.0.0.1', 0);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    held,
    async request(n: number): Promise<{ body: string; answer: (status: number) => void }> {
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
