import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../config/agent-config.ts';
import { SecretRegistry } from '../core/secrets.ts';
import { createHttpContext } from '../http/request-with-retry.ts';
import type { EvidenceStore, RunMode } from '../store/evidence-store.ts';
import { outcome, result, USERS } from '../store/store-test-fixtures.ts';
import type { App } from '../run/app.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { startDaemon, type RunningDaemon } from './daemon-service.ts';
import { chooseRunMode } from './run-mode.ts';

describe('chooseRunMode', () => {
  const daily = { fullEvery: '0 2 * * *', timezone: 'UTC' };
  it.each([
    ['no full run yet', null, '2026-11-02T01:00:00Z', 'full'],
    ['full run earlier today, before the next 02:00', '2026-11-02T04:00:00Z', '2026-11-02T20:00:00Z', 'incremental'],
    ['the 02:00 slot has passed since the last full run', '2026-11-02T04:00:00Z', '2026-11-03T04:00:00Z', 'full'],
    ['exactly at the slot', '2026-11-02T04:00:00Z', '2026-11-03T02:00:00Z', 'full'],
  ])('%s', (_what, lastFull, now, mode) => {
    expect(chooseRunMode({ ...daily, lastFullStart: lastFull ? new Date(lastFull) : null, now: new Date(now) }).mode).toBe(mode);
  });
  it('reads the cron in the configured time zone', () => {
    // 02:00 in Berlin is 01:00 UTC in winter.
    const r = chooseRunMode({ fullEvery: '0 2 * * *', timezone: 'Europe/Berlin', lastFullStart: new Date('2026-11-02T00:30:00Z'), now: new Date('2026-11-02T01:00:00Z') });
    expect(r.mode).toBe('full');
  });
});

describe('daemon run modes with a fake clock', () => {
  let store: EvidenceStore;
  let cleanup: () => Promise<void>;
  let daemon: RunningDaemon | null = null;
  let clock: FakeClock;
  let modes: Array<{ at: string; mode: RunMode }>;

  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
    clock = new FakeClock(new Date('2026-11-02T01:00:00Z'));
    modes = [];
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    await cleanup();
  });

  async function start(daemonBlock: object): Promise<void> {
    const config = parseConfigText(
      stringify({
        daemon: { jitterSeconds: 0, http: { enabled: false }, ...daemonBlock },
        organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'm365', id: 'm365-main' }] }],
      }),
    );
    const app: App = { config, store, log: silentLogger(), secrets: new SecretRegistry({}), registry: new Map() as never, httpFor: () => createHttpContext(), close: async () => {} };
    daemon = await startDaemon({
      app,
      clock,
      random: () => 0,
      // Stands in for collection: stores a sealed run in the mode the daemon asked for.
      runOnce: async (_a, _i, { now, mode }) => {
        const startedAt = now().toISOString();
        modes.push({ at: startedAt, mode });
        const run = await store.beginRun({ org: 'acme', startedAt, toolVersion: 't', configDigest: 'c', trigger: 'schedule', mode });
        const o = outcome(USERS);
        await store.recordStreamOutcome(run.id, o);
        const sealed = await store.finishRun(run.id, { finishedAt: startedAt, status: 'complete' });
        const evaluation = await store.recordEvaluation(run.id, { evaluatedAt: startedAt, paramsDigest: 'p', results: [result('admin-mfa')] });
        return { run: sealed, evaluation, outcomes: [o] };
      },
    });
  }

  it('runs incrementally every 4 hours with one full run after 02:00 each day (default)', async () => {
    await start({});
    await clock.advanceTo(new Date('2026-11-04T01:00:00Z'));
    const full = modes.filter((m) => m.mode === 'full').map((m) => m.at);
    expect(full).toEqual(['2026-11-02T01:00:00.000Z', '2026-11-02T04:00:00.000Z', '2026-11-03T04:00:00.000Z']);
    expect(modes.filter((m) => m.mode === 'incremental')).toHaveLength(modes.length - 3);
    expect((await store.listRuns({ org: 'acme', limit: 1 }))[0]?.mode).toBe('incremental');
  });

  it('runs every run in full when incremental collection is switched off', async () => {
    await start({ incremental: { enabled: false } });
    await clock.advanceTo(new Date('2026-11-02T13:00:00Z'));
    expect(modes.length).toBeGreaterThan(2);
    expect(new Set(modes.map((m) => m.mode))).toEqual(new Set(['full']));
  });
});
