import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startDemoTenant, type DemoTenant } from '../../fixtures/demo/demo-tenant.ts';
import { generateRoster, renderRosterCsv } from '../../fixtures/hr-csv/index.ts';
import { parseConfigText } from '../../src/config/agent-config.ts';
import { startAlertingDaemon, type AlertingDaemon } from '../../src/daemon/alerting-daemon.ts';
import { openApp, type App } from '../../src/run/app.ts';
import type { OrgRunResult } from '../../src/run/pipeline.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/alert-receivers.ts';
import { until } from '../support/until.ts';

/**
 * Issue #5's "done when", as one story: the daemon left running against the demo tenant with an
 * accelerated clock collects on schedule, alerts exactly once per new problem and once on its
 * resolution, survives a restart without duplicate or lost alerts, and its incremental runs cost
 * far fewer Graph calls than its full ones. Real parts throughout: the HTTPS Graph double and the
 * other demo doubles, the SQLite store, the alert outbox and a real HTTP webhook receiver; only the
 * clock is moved by hand (each slot's run then takes the real time its HTTP calls need).
 */

const T0 = new Date('2026-11-02T00:30:00Z');
const HOOK_ENV = 'EVIDENTIA_TEST_WEBHOOK_URL';
const KEY_ENV = 'EVIDENTIA_TEST_WEBHOOK_KEY';

interface Received {
  deliveryId: string;
  message: { kind: string; type: string | null; findingId: string | null; subject: string | null; runId: number | null };
}

describe('the daemon on the demo tenant with an accelerated clock (issue #5, done when)', () => {
  let dir: string;
  let demo: DemoTenant;
  let receiver: HttpReceiver;
  let app: App;
  let running: AlertingDaemon;
  const clock = new FakeClock(T0);
  const finished: OrgRunResult[] = [];

  const received = (): Received[] => receiver.requests.map((r) => JSON.parse(r.body) as Received);
  const open = async (): Promise<void> => {
    const config = parseConfigText(
      stringify({
        store: { path: join(dir, 'evidence.db') },
        http: { pacing: { 'graph-signin': { intervalCap: 100, intervalMs: 1000 }, 'graph-reports': { intervalCap: 100, intervalMs: 1000 } } },
        // The defaults: every 4 hours, incremental, one full run after 02:00 each day.
        daemon: { jitterSeconds: 0, http: { port: 0 } },
        alerts: {
          channels: [{ name: 'siem', type: 'webhook', url: { env: HOOK_ENV }, signingKey: { env: KEY_ENV } }],
          reminders: { every: '7d' },
        },
        organisations: [demo.organisation],
      }),
    );
    app = await openApp({ config, env: { ...demo.env, [HOOK_ENV]: receiver.url('/hook'), [KEY_ENV]: 'k'.repeat(32) }, extraCa: demo.ca, logLevel: 'silent' });
    running = await startAlertingDaemon(app, { clock, random: () => 0, onRunFinished: (r) => finished.push(r) });
  };
  /** Moves the clock to a slot and waits (in real time) for its run, its findings and their delivery. */
  const slot = async (at: string): Promise<OrgRunResult> => {
    const before = finished.length;
    await clock.advanceTo(new Date(at));
    await until(`the run of ${at}`, () => (finished.length > before ? true : null), 60_000);
    await running.alerts!.idle();
    expect(finished).toHaveLength(before + 1);
    return finished.at(-1)!;
  };
  const graphCalls = (from: number, to: number): number => demo.graph.requests.slice(from, to).filter((q) => q.path.startsWith('/v1.0/')).length;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-daemon-acceptance-'));
    demo = await startDemoTenant({ users: 60, now: T0, dir });
    receiver = await startHttpReceiver();
    await open();
  });
  afterAll(async () => {
    await running?.stop();
    await app?.close();
    await receiver?.close();
    await demo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('collects on schedule, alerts once per problem and once on resolution, across a restart, with cheap incremental runs', async () => {
    // Nothing stored yet: the first run starts at once and reads everything.
    const calls0 = demo.graph.requests.length;
    const first = await slot(T0.toISOString());
    expect(first.run).toMatchObject({ status: 'complete', startedAt: T0.toISOString() });
    const fullCalls = graphCalls(calls0, demo.graph.requests.length);
    const opened = received().filter((r) => r.message.kind === 'alert');
    // The demo tenant ships problems: the leaver still enabled after 30 h among them.
    const leaverUpn = demo.graph.tenant.scenario.accounts.leaversStillEnabled[0]!;
    const leaver = Array.from({ length: demo.graph.tenant.userCount }, (_, i) => demo.graph.tenant.user(i)).find((u) => u.userPrincipalName === leaverUpn)!;
    expect(opened.filter((r) => r.message.type === 'leaver_access').map((r) => r.message.subject)).toContain(`m365-demo/${leaver.id}`);
    expect(new Set(opened.map((r) => r.message.findingId)).size).toBe(opened.length);

    // 04:00 is the first slot after 02:00: a full run; 08:00 then reads only the changes.
    expect((await slot('2026-11-02T04:00:00Z')).run.mode).toBe('full');
    const calls1 = demo.graph.requests.length;
    const incremental = await slot('2026-11-02T08:00:00Z');
    expect(incremental.run.mode).toBe('incremental');
    const incrementalCalls = graphCalls(calls1, demo.graph.requests.length);
    // 60 users: 30 Graph calls for a full run, 8 for an incremental one (the MFA report and roles are still read in full).
    expect(incrementalCalls).toBeLessThan(fullCalls / 3);
    // Nothing changed: nothing new is said.
    expect(received()).toHaveLength(opened.length);

    // A new problem: HR's roster now says an employee left two days ago; their accounts stay enabled.
    const newLeaver = demo.graph.tenant.user(demo.graph.tenant.userCount - 1);
    expect(newLeaver.accountEnabled).toBe(true);
    const roster = generateRoster({ m365: demo.graph.tenant });
    const row = roster.rows.find((r) => r.employee_id === newLeaver.employeeId)!;
    expect(row.status).toBe('Active');
    Object.assign(row, { status: 'Terminated', termination_date: '2026-10-31' });
    await writeFile(join(dir, 'roster.csv'), renderRosterCsv(roster.rows));
    const seen = await slot('2026-11-02T12:00:00Z');
    expect(seen.run.mode).toBe('incremental');
    const newAlerts = received().slice(opened.length);
    expect(newAlerts.length).toBeGreaterThan(0);
    expect(newAlerts.every((r) => r.message.kind === 'alert' && r.message.type === 'leaver_access')).toBe(true);
    const m365Finding = newAlerts.find((r) => r.message.subject === `m365-demo/${newLeaver.id}`);
    expect(m365Finding).toBeDefined();

    // A restart between slots: nothing is said again, nothing is lost.
    await running.stop();
    await app.close();
    await open();
    await slot('2026-11-02T16:00:00Z');
    expect(received()).toHaveLength(opened.length + newAlerts.length);

    // The account is disabled: exactly one resolved notice, for that finding only.
    demo.graph.users.update(newLeaver.id, { accountEnabled: false });
    await slot('2026-11-02T20:00:00Z');
    await slot('2026-11-03T00:00:00Z');
    const after = received().slice(opened.length + newAlerts.length);
    expect(after.map((r) => [r.message.kind, r.message.findingId])).toEqual([['resolved', m365Finding!.message.findingId]]);

    // The next day's full run after 02:00, and still no repeats.
    expect((await slot('2026-11-03T04:00:00Z')).run.mode).toBe('full');
    const all = received();
    const ids = all.map((r) => `${r.message.kind}:${r.message.findingId}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(all.map((r) => r.deliveryId)).size).toBe(all.length);
    // Every slot ran once: 00:30 (catch-up), then each 4-hourly slot up to 04:00 the next day.
    const runs = await app.store.listRuns({ org: 'contoso' });
    expect(runs.map((r) => r.startedAt).reverse()).toEqual([
      '2026-11-02T00:30:00.000Z', '2026-11-02T04:00:00.000Z', '2026-11-02T08:00:00.000Z', '2026-11-02T12:00:00.000Z',
      '2026-11-02T16:00:00.000Z', '2026-11-02T20:00:00.000Z', '2026-11-03T00:00:00.000Z', '2026-11-03T04:00:00.000Z',
    ]);
    expect(runs.every((r) => r.status === 'complete' || r.status === 'partial')).toBe(true);
  });
});
