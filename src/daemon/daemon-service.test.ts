import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../config/agent-config.ts';
import { SecretRegistry } from '../core/secrets.ts';
import { createHttpContext } from '../http/request-with-retry.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { KEYS, outcome, page, result, USERS } from '../store/store-test-fixtures.ts';
import type { App } from '../run/app.ts';
import type { OrgRunResult } from '../run/pipeline.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { startDaemon, type RunningDaemon } from './daemon-service.ts';
import { RunLockedError } from '../run/run-lock.ts';

const H = 3_600_000;

type RunBehaviour = 'complete' | 'failed' | 'throws' | 'slow' | 'locked';

/**
 * The daemon with a real SQLite store and a real HTTP endpoint, but a stand-in for collection: each
 * run stores one page (a body unique to the run, so retention has something to prune), one outcome
 * and an evaluation, and counts two API calls and one 429 on the connector's HTTP context.
 */
describe('daemon service with a fake clock', () => {
  let store: EvidenceStore;
  let cleanup: () => Promise<void>;
  let daemon: RunningDaemon | null = null;
  let clock: FakeClock;
  let finished: OrgRunResult[];
  let behaviour: RunBehaviour;

  beforeEach(async () => {
    ({ store, cleanup } = await tempStore());
    clock = new FakeClock(new Date('2026-11-02T01:00:00Z'));
    finished = [];
    behaviour = 'complete';
  });
  afterEach(async () => {
    await daemon?.stop();
    daemon = null;
    await cleanup();
  });

  function app(extra: object = {}): App {
    const config = parseConfigText(
      stringify({
        daemon: { jitterSeconds: 0, graceSeconds: 1800, http: { port: 0 } },
        organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'm365', id: 'm365-main' }] }],
        ...extra,
      }),
    );
    return { config, store, log: silentLogger(), secrets: new SecretRegistry({}), registry: new Map() as never, httpFor: () => createHttpContext(), close: async () => {} };
  }

  async function start(a: App): Promise<RunningDaemon> {
    daemon = await startDaemon({
      app: a,
      clock,
      random: () => 0,
      onRunFinished: (r) => {
        finished.push(r);
      },
      runOnce: async (runApp, i, { now }) => {
        const org = runApp.config.organisations[i]!.id;
        if (behaviour === 'throws') throw new Error('disk full');
        if (behaviour === 'locked') throw new RunLockedError(org, { command: 'evidentia collect', pid: 4242, hostname: 'here', acquiredAt: now().toISOString(), expiresAt: now().toISOString() } as never);
        const startedAt = now().toISOString();
        if (behaviour === 'slow') await new Promise<void>((r) => clock.setTimer(5 * H, r));
        const http = runApp.httpFor('m365-main');
        http.stats.recordRequest('graph');
        http.stats.recordRequest('graph');
        http.stats.recordThrottled('graph');
        const run = await store.beginRun({ org, startedAt, toolVersion: 't', configDigest: 'c', trigger: 'schedule' });
        await store.recordPage(run.id, page(USERS, 1, `{"value":[],"at":"${now().toISOString()}"}`));
        const o = outcome(USERS, { status: behaviour === 'failed' ? 'failed' : 'complete' });
        await store.recordStreamOutcome(run.id, o);
        const sealed = await store.finishRun(run.id, { finishedAt: now().toISOString(), status: behaviour === 'failed' ? 'failed' : 'complete' });
        const evaluation = await store.recordEvaluation(run.id, { evaluatedAt: now().toISOString(), paramsDigest: 'p', results: [result('admin-mfa')] });
        return { run: sealed, evaluation, outcomes: [o] };
      },
    });
    return daemon;
  }

  async function get(d: RunningDaemon, path: string): Promise<{ status: number; body: string; type: string | null }> {
    const res = await fetch(`${d.url}${path}`);
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  }

  it('runs on schedule for two days, reports healthy, counts runs, calls, throttling and results, and calls the hook after each run', async () => {
    const d = await start(app());
    // Nothing stored yet: the first run starts at once.
    await clock.advanceTo(new Date('2026-11-04T01:00:00Z'));
    const runs = await store.listRuns({ org: 'acme' });
    expect(runs.map((r) => r.startedAt).reverse().slice(0, 3)).toEqual(['2026-11-02T01:00:00.000Z', '2026-11-02T04:00:00.000Z', '2026-11-02T08:00:00.000Z']);
    expect(runs).toHaveLength(13);
    expect(finished.map((r) => r.run.id)).toEqual(runs.map((r) => r.id).reverse());

    const health = await get(d, '/healthz');
    expect(health.status).toBe(200);
    const report = JSON.parse(health.body) as { status: string; organisations: Array<{ org: string; lastSuccessfulRun: { id: number }; stale: boolean; connectors: Array<{ instance: string; lastStatus: string }> }> };
    expect(report.status).toBe('ok');
    expect(report.organisations[0]).toMatchObject({ org: 'acme', stale: false, lastSuccessfulRun: { id: runs[0]!.id }, connectors: [{ instance: 'm365-main', lastStatus: 'ok' }] });

    const metrics = await get(d, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain/);
    expect(metrics.body).toContain('evidentia_runs_total{org="acme",status="complete"} 13');
    expect(metrics.body).toContain('evidentia_stream_outcomes_total{org="acme",connector="m365-main",status="complete"} 13');
    expect(metrics.body).toContain('evidentia_api_calls_total{org="acme",connector="m365-main",family="graph"} 26');
    expect(metrics.body).toContain('evidentia_api_throttled_total{org="acme",connector="m365-main",family="graph"} 13');
    expect(metrics.body).toContain('evidentia_rule_results_total{org="acme",rule="admin-mfa",status="fail"} 13');
    expect(metrics.body).toContain('evidentia_rule_status{org="acme",rule="admin-mfa",status="fail"} 1');
    d.metrics.recordAlertDelivery('slack', 'sent');
    expect((await get(d, '/metrics')).body).toContain('evidentia_alert_deliveries_total{channel="slack",outcome="sent"} 1');

    for (const path of ['/', '/healthz/x', '/metrics.json', '/../etc/passwd']) expect((await get(d, path)).status).toBe(404);
    expect((await fetch(`${d.url}/healthz`, { method: 'POST' })).status).toBe(404);
  });

  it('prunes raw bodies past the retention after each run, and verify still passes and counts them', async () => {
    await start(app({ retention: { rawPagesDays: 1 } }));
    await clock.advanceTo(new Date('2026-11-04T01:00:00Z'));
    const report = await store.verify();
    expect(report.ok).toBe(true);
    // The last run (2026-11-04 00:00) pruned the six runs started before 2026-11-03 00:00; the one
    // started exactly a day before is kept.
    expect(report.pagesPruned).toBe(6);
    expect(report.pagesChecked).toBe(7);
    expect(report.message).toMatch(/6 page\(s\) pruned by retention/);
  });

  it('answers 503 "failing" when the last run failed, and "stale" when nothing succeeded for an interval plus grace', async () => {
    behaviour = 'failed';
    const d = await start(app());
    await clock.advanceTo(new Date('2026-11-02T01:00:01Z'));
    let health = await get(d, '/healthz');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'failing', organisations: [{ failing: true, connectors: [{ lastStatus: 'failing' }] }] });

  });

  it('answers 503 "stale" when nothing succeeded within the grace of the daemon start, or an interval plus grace after the last success', async () => {
    behaviour = 'throws';
    const d = await start(app());
    // Never succeeded: the daemon's own start is the reference, so the first run gets the grace.
    await clock.advanceTo(new Date('2026-11-02T01:29:00Z'));
    expect((await get(d, '/healthz')).status).toBe(200);
    await clock.advanceTo(new Date('2026-11-02T01:31:00Z'));
    const health = await get(d, '/healthz');
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'stale', organisations: [{ stale: true, staleAfter: '2026-11-02T01:30:00.000Z', lastSuccessfulRun: null }] });
    await daemon!.stop();

    // One good run at 01:31, then failures: stale once its next slot (04:00) is more than the grace behind.
    behaviour = 'complete';
    const e = await start(app());
    await clock.advanceTo(new Date('2026-11-02T01:31:01Z'));
    behaviour = 'throws';
    await clock.advanceTo(new Date('2026-11-02T04:29:00Z'));
    expect(e.health().status).toBe('ok');
    await clock.advanceTo(new Date('2026-11-02T04:31:00Z'));
    expect(e.health()).toMatchObject({ status: 'stale', organisations: [{ staleAfter: '2026-11-02T04:30:00.000Z' }] });
  });

  it('counts runs another process stored: a slot skipped for the lock does not make /healthz stale', async () => {
    const d = await start(app());
    await clock.advanceTo(new Date('2026-11-02T01:00:01Z'));
    // From now on a hand-run collect holds the org at each slot and stores its own runs.
    behaviour = 'locked';
    for (const at of ['2026-11-02T04:00:00Z', '2026-11-02T08:00:00Z']) {
      await clock.advanceTo(new Date(at));
      await storeRunOfAnotherProcess(at);
    }
    await clock.advanceTo(new Date('2026-11-02T09:00:00Z'));
    // Before asking the store, the daemon's own view is stale (its last run was at 01:00)…
    expect(d.health()).toMatchObject({ status: 'stale' });
    // …but /healthz takes in the other process's runs first.
    const health = await get(d, '/healthz');
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({
      status: 'ok',
      organisations: [{ lastSuccessfulRun: { startedAt: '2026-11-02T08:00:00Z' }, connectors: [{ instance: 'm365-main', lastStatus: 'ok' }], skippedLocked: { count: 2 } }],
    });
    expect(d.health()).toMatchObject({ status: 'ok' });
  });

  async function storeRunOfAnotherProcess(at: string): Promise<void> {
    const run = await store.beginRun({ org: 'acme', startedAt: at, toolVersion: 't', configDigest: 'c', trigger: 'manual' });
    await store.recordPage(run.id, page(USERS, 1, `{"value":[],"by":"collect","at":"${at}"}`));
    await store.recordStreamOutcome(run.id, outcome(USERS, { status: 'complete' }));
    await store.finishRun(run.id, { finishedAt: at, status: 'complete' });
  }

  it('after a restart, takes the last good run from the store: healthy at once, next run at the next slot', async () => {
    await start(app());
    await clock.advanceTo(new Date('2026-11-02T01:00:01Z'));
    await daemon!.stop();
    const d = await start(app());
    expect(d.health()).toMatchObject({ status: 'ok', organisations: [{ lastSuccessfulRun: { startedAt: '2026-11-02T01:00:00.000Z' } }] });
    await clock.advanceTo(new Date('2026-11-02T03:59:00Z'));
    expect(await store.listRuns()).toHaveLength(1);
    await clock.advanceTo(new Date('2026-11-02T04:00:00Z'));
    expect(await store.listRuns()).toHaveLength(2);
  });

  it('after a restart, takes each connector\'s last good run from the stored stream outcomes, also when runs are only ever partial', async () => {
    const two = app({ organisations: [{ id: 'acme', name: 'Acme', connectors: [{ type: 'm365', id: 'm365-main' }, { type: 'aws-iam', id: 'aws-prod' }] }] });
    // Before this daemon: aws-prod failed at 20:00; at midnight it read only part of its data (a
    // partial run, as some tenants always have), and a later run was cut off.
    const evening = await store.beginRun({ org: 'acme', startedAt: '2026-11-01T20:00:00.000Z', toolVersion: 't', configDigest: 'c', trigger: 'schedule' });
    await store.recordStreamOutcome(evening.id, outcome(USERS));
    await store.recordStreamOutcome(evening.id, outcome(KEYS, { status: 'failed' }));
    await store.finishRun(evening.id, { finishedAt: '2026-11-01T20:05:00.000Z', status: 'partial' });
    const begun = await store.beginRun({ org: 'acme', startedAt: '2026-11-02T00:00:00.000Z', toolVersion: 't', configDigest: 'c', trigger: 'schedule' });
    await store.recordStreamOutcome(begun.id, outcome(USERS));
    await store.recordStreamOutcome(begun.id, outcome(KEYS, { status: 'partial' }));
    const midnight = await store.finishRun(begun.id, { finishedAt: '2026-11-02T00:05:00.000Z', status: 'partial' });
    const cut = await store.beginRun({ org: 'acme', startedAt: '2026-11-02T00:30:00.000Z', toolVersion: 't', configDigest: 'c', trigger: 'schedule' });
    await store.finishRun(cut.id, { finishedAt: '2026-11-02T00:31:00.000Z', status: 'interrupted' });

    const d = await start(two);
    // Well past the daemon's start plus grace, before the 04:00 slot: nothing is overdue.
    await clock.advanceTo(new Date('2026-11-02T03:00:00Z'));
    expect(await store.listRuns()).toHaveLength(3);
    const health = d.health();
    expect(health.status).toBe('ok');
    expect(health.organisations[0]!.connectors.map((c) => [c.instance, c.lastSuccessfulRun?.id, c.lastStatus, c.stale])).toEqual([
      ['m365-main', midnight.id, 'ok', false],
      ['aws-prod', midnight.id, 'degraded', false],
    ]);
  });

  it('shows a run that outlives its slot as running, skips that slot, and counts the skip', async () => {
    behaviour = 'slow';
    const d = await start(app());
    await clock.advanceTo(new Date('2026-11-02T04:30:00Z'));
    expect(d.health().organisations[0]).toMatchObject({ running: true });
    await clock.advanceTo(new Date('2026-11-02T06:30:00Z'));
    expect(d.health().organisations[0]).toMatchObject({ running: false, lastSuccessfulRun: { startedAt: '2026-11-02T01:00:00.000Z' } });
    expect((await get(d, '/metrics')).body).toContain('evidentia_slots_skipped_total{org="acme"} 1');
    expect(await store.listRuns()).toHaveLength(1);
  });

  it('refuses a schedule for an unknown organisation before anything runs', async () => {
    await expect(start(app({ daemon: { schedules: { nobody: { cron: '0 * * * *' } } } }))).rejects.toThrow(/daemon\.schedules\.nobody/);
    expect(await store.listRuns()).toEqual([]);
  });
});
