import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { startHttpEndpoint } from './http-endpoint.ts';

const health = () => ({ status: 'ok' as const, checkedAt: '2026-11-02T00:00:00.000Z', organisations: [] });
const metrics = async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '# nothing\n' });

describe('health endpoint', () => {
  it('binds to 127.0.0.1 by default port 0 and says which port is taken when it cannot listen', async () => {
    const first = await startHttpEndpoint({ host: '127.0.0.1', port: 0, health, metrics, log: silentLogger() });
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const err = await startHttpEndpoint({ host: '127.0.0.1', port: first.port, health, metrics, log: silentLogger() }).catch((e: unknown) => e as Error & { code: string });
      expect(err).toMatchObject({ code: 'config_invalid' });
      expect((err as Error).message).toBe(`daemon.http: cannot listen on 127.0.0.1:${first.port} (EADDRINUSE); pick another daemon.http.port or stop what uses it`);
    } finally {
      await first.close();
    }
  });

  it('answers 500 without details when building an answer fails, and keeps serving', async () => {
    let broken = true;
    const ep = await startHttpEndpoint({
      host: '127.0.0.1',
      port: 0,
      health: () => {
        if (broken) throw new Error('secret-ish detail');
        return health();
      },
      metrics,
      log: silentLogger(),
    });
    try {
      const res = await fetch(`${ep.url}/healthz`);
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('internal error\n');
      broken = false;
      expect((await fetch(`${ep.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${ep.url}/metrics?x=1`)).status).toBe(200);
    } finally {
      await ep.close();
    }
  });
});
