import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnLockHolder, type LockHolder } from '../../../test/support/spawn-lock-holder.ts';
import { createSqliteHarness, type SqliteHarness } from './sqlite-test-harness.ts';

/**
 * The run lock between real processes on this host, with the real probes (signal 0, /proc start
 * times, PID namespace, boot id): the holder is another node process whose lease has long expired.
 */
describe.runIf(process.platform === 'linux')('run lock between real processes on this host', () => {
  let h: SqliteHarness;
  let holder: LockHolder | null;
  beforeEach(async () => {
    h = await createSqliteHarness();
    await (await h.open()).listRuns({});
    holder = null;
  });
  afterEach(async () => {
    await holder?.release();
    await h.cleanup();
  });

  it('keeps the lock of a holder that still runs past its lease, and takes it over once the holder is killed', async () => {
    // A 1 ms lease, never renewed: as if the holder were stuck in a long synchronous seal.
    holder = await spawnLockHolder(h.dbPath, 'acme', 1);
    const pid = holder.pid;
    const store = await h.open();
    const refused = await store.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: 60_000 });
    expect(refused).toMatchObject({ acquired: false, heldBy: { pid, command: 'evidentia collect' } });

    const exited = new Promise((r) => holder!.child.once('exit', r));
    holder.child.kill('SIGKILL');
    await exited;
    holder = null;
    const took = await store.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: 60_000 });
    expect(took).toMatchObject({ acquired: true, tookOver: { why: 'process_gone', from: { pid } } });
  }, 30_000);
});
