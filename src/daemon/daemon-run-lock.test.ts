import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../config/agent-config.ts';
import { openApp, type App } from '../run/app.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { spawnLockHolder, type LockHolder } from '../../test/support/spawn-lock-holder.ts';
import { losingRunLock } from '../../test/support/lose-run-lock.ts';
import { startDaemon, type RunningDaemon } from './daemon-service.ts';
import type { SchedulerEvent } from './scheduler.ts';

/**
 * The daemon (real collection of an HR roster file, real SQLite, real endpoint) while another real
 * process holds an organisation's run lock: the slot is skipped, not queued, and shows in the log,
 * `/metrics` and `/healthz`; once the lock is free, the next slot runs.
 */
describe('daemon and the run lock of another process', () => {
  let dir: string;
  let app: App;
  let holder: LockHolder | null;
  let daemon: RunningDaemon | null;
  let logged: Array<Record<string, unknown>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-daemon-lock-'));
    await writeFile(join(dir, 'roster.csv'), 'employee_id,work_email,display_name,status,hire_date,termination_date,manager_email\r\nE1,ann@acme.test,Ann Example,active,2024-01-02,,\r\n');
    const config = parseConfigText(
      stringify({
        store: { path: join(dir, 'evidence.db') },
        daemon: { jitterSeconds: 0, graceSeconds: 1800, http: { port: 0 } },
        organisations: [
          { id: 'acme', name: 'Acme', connectors: [{ type: 'hr-csv', id: 'roster', file: join(dir, 'roster.csv'), timezone: 'UTC' }] },
          { id: 'beta', name: 'Beta', connectors: [{ type: 'hr-csv', id: 'roster', file: join(dir, 'roster.csv'), timezone: 'UTC' }] },
        ],
      }),
    );
    logged = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    app = { ...(await openApp({ config, logLevel: 'silent' })), log: pino({ level: 'warn' }, sink) };
    holder = null;
    daemon = null;
  });
  afterEach(async () => {
    await daemon?.stop();
    await holder?.release();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('skips a slot whose organisation another process is collecting, counts and shows it, and runs at the next slot', async () => {
    holder = await spawnLockHolder(join(dir, 'evidence.db'), 'acme');
    const clock = new FakeClock(new Date('2026-11-02T01:00:00Z'));
    const events: SchedulerEvent[] = [];
    const ended = (org: string, n: number) => events.filter((e) => e.type === 'run_ended' && e.org === org).length >= n;
    const waitFor = async (what: string, probe: () => boolean) => {
      for (let i = 0; !probe(); i++) {
        if (i > 400) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    // Nothing stored yet: both organisations' catch-up runs start at once; acme's is refused by the lock.
    daemon = await startDaemon({ app, clock, random: () => 0, onSchedulerEvent: (e) => events.push(e) });
    await waitFor('both catch-up runs to end', () => ended('acme', 1) && ended('beta', 1));

    expect(await app.store.listRuns({ org: 'acme' })).toEqual([]);
    expect((await app.store.listRuns({ org: 'beta' })).map((r) => r.status)).toEqual(['complete']);
    const skipped = logged.filter((l) => l.msg === 'slot skipped: another process is collecting this organisation');
    expect(skipped).toEqual([expect.objectContaining({ org: 'acme', heldBy: expect.objectContaining({ command: 'evidentia collect', pid: holder.pid }) })]);

    const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
    expect(metrics).toContain('evidentia_slots_locked_total{org="acme"} 1');
    expect(metrics).not.toContain('evidentia_slots_locked_total{org="beta"}');
    const health = (await (await fetch(`${daemon.url}/healthz`)).json()) as { organisations: Array<{ org: string; running: boolean; skippedLocked: unknown }> };
    expect(health.organisations.find((o) => o.org === 'acme')).toMatchObject({
      running: false,
      skippedLocked: { count: 1, lastAt: '2026-11-02T01:00:00.000Z', heldBy: { command: 'evidentia collect', pid: holder.pid, since: expect.stringMatching(/^\d{4}-/) } },
    });
    expect(health.organisations.find((o) => o.org === 'beta')).toMatchObject({ skippedLocked: null });

    // Not queued: nothing runs for acme until its next slot, which runs once the lock is free.
    await holder.release();
    holder = null;
    await clock.advanceTo(new Date('2026-11-02T03:59:00Z'));
    expect(events.filter((e) => e.type === 'run_started' && e.org === 'acme')).toHaveLength(1);
    await clock.advanceTo(new Date('2026-11-02T04:00:00Z'));
    await waitFor('acme\'s next slot to end', () => ended('acme', 2));
    expect((await app.store.listRuns({ org: 'acme' })).map((r) => [r.status, r.startedAt])).toEqual([['complete', '2026-11-02T04:00:00.000Z']]);
    expect(await (await fetch(`${daemon.url}/metrics`)).text()).toContain('evidentia_slots_locked_total{org="acme"} 1');
  }, 30_000);

  it('ends a run whose lock another process took over as interrupted, logs who has it, and goes on with the others', async () => {
    const noticed = () => logged.some((l) => l.msg === 'the run lock was taken over by another process; stopping this run');
    app = { ...app, store: losingRunLock(app.store, { dbPath: join(dir, 'evidence.db'), org: 'acme', noticed }), runLock: { leaseMs: 60_000, renewEveryMs: 5 } };
    const clock = new FakeClock(new Date('2026-11-02T01:00:00Z'));
    const events: SchedulerEvent[] = [];
    daemon = await startDaemon({ app, clock, random: () => 0, onSchedulerEvent: (e) => events.push(e) });
    for (let i = 0; !['acme', 'beta'].every((o) => events.some((e) => e.type === 'run_ended' && e.org === o)); i++) {
      if (i > 400) throw new Error('timed out waiting for both catch-up runs');
      await new Promise((r) => setTimeout(r, 25));
    }
    const [acme] = await app.store.listRuns({ org: 'acme' });
    expect(acme).toMatchObject({ status: 'interrupted' });
    expect((await app.store.listRuns({ org: 'beta' })).map((r) => r.status)).toEqual(['complete']);
    expect(logged.filter((l) => l.msg === 'scheduled run interrupted: another process took over the run lock')).toEqual([
      expect.objectContaining({ org: 'acme', run: acme!.id, takenBy: expect.objectContaining({ command: 'evidentia daemon', pid: 4242, hostname: 'host-b' }) }),
    ]);
    // Shown as an interrupted last run, not a daemon failure; the new holder's lock is left alone.
    const health = (await (await fetch(`${daemon.url}/healthz`)).json()) as { organisations: Array<{ org: string; lastRun: unknown }> };
    expect(health.organisations.find((o) => o.org === 'acme')).toMatchObject({ lastRun: expect.objectContaining({ id: acme!.id, status: 'interrupted' }) });
    expect(await app.store.runLockHolder('acme')).toMatchObject({ holderId: 'taken-over' });
  }, 30_000);
});
