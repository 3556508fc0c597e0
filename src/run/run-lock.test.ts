import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/agent-config.ts';
import { SecretRegistry } from '../core/secrets.ts';
import { createHttpContext } from '../http/request-with-retry.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { createSqliteHarness, type SqliteHarness } from '../store/sqlite/sqlite-test-harness.ts';
import type { App } from './app.ts';
import { lostRunLock, RunLockedError, RunLockLostError, withRunLock } from './run-lock.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const LEASE = 60_000;

/**
 * Holding the run lock around a run. The stores' clock is the test's (`t`), so "past the first
 * lease" is reached by moving `t`, not by waiting; only the renewal timer is real (every 5 ms).
 */
describe('withRunLock', () => {
  let h: SqliteHarness;
  let t: number;
  let holderStore: EvidenceStore;
  /** Another process on another host: it cannot probe our pid, so only the lease keeps it out. */
  let other: EvidenceStore;
  let logged: Array<Record<string, unknown>>;
  let app: App;

  beforeEach(async () => {
    h = await createSqliteHarness();
    t = T0;
    holderStore = await h.open({ now: () => new Date(t) });
    other = await h.open({ now: () => new Date(t), hostname: 'other-host', pid: 4242 });
    logged = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    app = {
      config: parseConfigText('organisations: [{ id: acme, name: Acme, connectors: [{ type: m365, id: m365-main }] }]'),
      store: holderStore,
      log: pino({ level: 'warn' }, sink),
      secrets: new SecretRegistry({}),
      registry: new Map() as never,
      httpFor: () => createHttpContext(),
      runLock: { leaseMs: LEASE, renewEveryMs: 5 },
      close: async () => {},
    };
  });
  afterEach(async () => h.cleanup());

  const heldBy = async () => {
    const r = await other.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE });
    if (r.acquired) throw new Error('the other process got the lock');
    return r.heldBy;
  };
  const until = async (what: string, probe: () => Promise<boolean>) => {
    for (let i = 0; !(await probe()); i++) {
      if (i > 1000) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('renews the lease while a long run goes on, so the lock outlives its first lease, and frees it at the end', async () => {
    const result = await withRunLock(app, 'acme', { trigger: 'manual', signal: new AbortController().signal }, async (signal) => {
      expect(await heldBy()).toMatchObject({ command: 'evidentia collect', expiresAt: new Date(T0 + LEASE).toISOString() });
      // Well past the first lease's end, step by step, the holder renewing as it goes.
      for (const step of [40_000, 80_000, 120_000, 160_000]) {
        t = T0 + step;
        await until(`a renewal at +${step / 1000}s`, async () => (await heldBy()).heartbeatAt === new Date(t).toISOString());
        expect(await heldBy()).toMatchObject({ acquiredAt: new Date(T0).toISOString(), expiresAt: new Date(t + LEASE).toISOString() });
      }
      expect(signal.aborted).toBe(false);
      return 'sealed';
    });
    expect(result).toBe('sealed');
    expect(await other.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: null });
  });

  it('refuses before any work when another process holds the organisation, naming it', async () => {
    await other.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE });
    let worked = false;
    const refused = withRunLock(app, 'acme', { trigger: 'manual', signal: new AbortController().signal }, async () => {
      worked = true;
    });
    await expect(refused).rejects.toBeInstanceOf(RunLockedError);
    await expect(refused).rejects.toMatchObject({
      code: 'run_locked',
      message: expect.stringMatching(/^organisation acme is already being collected by evidentia daemon \(pid 4242 on other-host, since 2026-11-20T09:00:00\.000Z\); nothing was collected/),
    });
    expect(worked).toBe(false);
    // What the database says of the holder is quoted on one line, whatever it holds.
    const odd = new RunLockedError('acme', { command: 'evidentia collect\nevidentia: forged line', pid: 1, hostname: 'h\r\x1b[2J', acquiredAt: 'x', expiresAt: 'y' } as never);
    expect(odd.message).not.toMatch(/[\n\r\x1b]/);
    expect(odd.message).toContain('evidentia collect\\u000aevidentia: forged line');
    // Another organisation is not affected.
    expect(await withRunLock(app, 'beta', { trigger: 'manual', signal: new AbortController().signal }, async () => 'beta ran')).toBe('beta ran');
  });

  it('frees the lock when the run fails, and when it is interrupted', async () => {
    await expect(withRunLock(app, 'acme', { trigger: 'manual', signal: new AbortController().signal }, async () => {
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    const stop = new AbortController();
    await withRunLock(app, 'acme', { trigger: 'schedule', signal: stop.signal }, async (signal) => {
      stop.abort();
      expect(signal.aborted).toBe(true);
      // A stop request is not a lost lock.
      expect(lostRunLock(signal)).toBeNull();
    });
    expect((await other.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE })).acquired).toBe(true);
  });

  it('takes over an expired lease with a warning naming the holder, and stops its run if its own lock is taken over', async () => {
    await other.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE });
    t = T0 + LEASE; // the other process stopped renewing
    await withRunLock(app, 'acme', { trigger: 'manual', signal: new AbortController().signal }, async (signal) => {
      expect(logged).toEqual([expect.objectContaining({ msg: 'took over the run lock of a process that stopped without releasing it', org: 'acme', why: 'lease_expired', heldBy: expect.objectContaining({ command: 'evidentia daemon', pid: 4242, hostname: 'other-host' }) })]);
      // As if our renewals had lapsed and another process took the lock: this run must not go on.
      h.raw().prepare(`UPDATE run_locks SET holder_id = 'someone-else', pid = 4242, hostname = 'other-host', command = 'evidentia daemon' WHERE org = 'acme'`).run();
      await until('the run to be stopped', async () => signal.aborted);
      // Told apart from Ctrl-C, naming who has the lock now.
      const lost = lostRunLock(signal);
      expect(lost).toBeInstanceOf(RunLockLostError);
      expect(lost).toMatchObject({ org: 'acme', takenBy: { holderId: 'someone-else', pid: 4242, hostname: 'other-host', command: 'evidentia daemon' } });
      expect(lost!.message).toMatch(/^organisation acme: the run lock was taken over by evidentia daemon \(pid 4242 on other-host, since [^)]+\) while this run was collecting/);
    });
    expect(logged.map((l) => l.msg)).toContain('the run lock was taken over by another process; stopping this run');
    // The new holder's lock is left alone when the stopped run ends.
    expect((await heldBy()).holderId).toBe('someone-else');
  });
});
