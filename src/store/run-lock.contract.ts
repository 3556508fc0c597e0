import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceStore } from './evidence-store.ts';
import type { StoreHarness } from './evidence-store.contract.ts';
import type { AcquireRunLockResult, RunLease, RunLockHolder } from './run-lock.ts';
import { sealTypicalRun } from './store-test-fixtures.ts';

const T0 = Date.parse('2026-11-20T09:00:00Z');
const LEASE = 60_000;
const NS = 'pid:[4026531836]';
const BOOT = 'b0000000-0000-4000-8000-000000000001';

/**
 * The run lock's behaviour every store shows (run by `describeEvidenceStoreContract`). Each store
 * handle stands for one process: its pid, host and clock are injected, so "another process on this
 * host", "a process that died" and "a host we cannot see" are all reachable without spawning.
 */
export function describeRunLockContract(createHarness: () => Promise<StoreHarness>): void {
  describe('run lock', () => {
    let harness: StoreHarness;
    let t: number;
    const alive = new Set<number>();
    /** What the probe reads as a live pid's start time (absent: it cannot tell). */
    const startOf = new Map<number, number>();
    const proc = (pid: number, hostname = 'host-a', processStartedAt = pid, pidNamespace: string | null = NS): Promise<EvidenceStore> =>
      harness.open({
        pid, hostname, processStartedAt, pidNamespace, bootId: BOOT, now: () => new Date(t),
        isProcessAlive: (p) => alive.has(p), processStartedAtOf: (p) => startOf.get(p) ?? null,
      });
    beforeEach(async () => {
      harness = await createHarness();
      t = T0;
      alive.clear();
      startOf.clear();
      alive.add(111).add(222);
    });
    afterEach(async () => harness.cleanup());

    const leaseOf = (r: AcquireRunLockResult): RunLease => {
      if (!r.acquired) throw new Error(`expected the lock, but ${r.heldBy.command} (pid ${r.heldBy.pid}) holds it`);
      return r.lease;
    };
    const holderOf = (r: AcquireRunLockResult): RunLockHolder => {
      if (r.acquired) throw new Error('expected the lock to be held by another process, but it was acquired');
      return r.heldBy;
    };

    it('gives an organisation to one process at a time, names the holder to the next, and frees it on release', async () => {
      const daemon = await proc(111);
      const cli = await proc(222);
      const first = await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE });
      expect(first).toMatchObject({ acquired: true, tookOver: null, lease: { org: 'acme', expiresAt: new Date(T0 + LEASE).toISOString() } });
      const lease = leaseOf(first);

      t += 1000;
      const refused = await cli.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE });
      expect(holderOf(refused)).toEqual({
        org: 'acme', holderId: lease.holderId, pid: 111, hostname: 'host-a', processStartedAt: 111, pidNamespace: NS, bootId: BOOT, command: 'evidentia daemon',
        acquiredAt: new Date(T0).toISOString(), heartbeatAt: new Date(T0).toISOString(), expiresAt: new Date(T0 + LEASE).toISOString(),
      });
      // Even the same process asking again is refused: one run of an organisation at a time.
      expect((await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE })).acquired).toBe(false);
      // Another organisation is independent.
      expect((await cli.acquireRunLock({ org: 'beta', command: 'evidentia collect', leaseMs: LEASE })).acquired).toBe(true);

      await daemon.releaseRunLock(lease);
      const next = await cli.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE });
      expect(next).toMatchObject({ acquired: true, tookOver: null });
    });

    it('takes over at once from a process on this host that is gone, saying whose lock it was', async () => {
      const crashed = await proc(333);
      const lease = leaseOf(await crashed.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE }));
      const next = await proc(111);
      const took = await next.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE });
      expect(took).toMatchObject({ acquired: true, tookOver: { why: 'process_gone', from: { pid: 333, hostname: 'host-a', command: 'evidentia collect' } } });
      // The dead holder's lease no longer counts: it can neither renew nor free the new holder's lock.
      expect(await crashed.renewRunLock(lease, LEASE)).toBeNull();
      await crashed.releaseRunLock(lease);
      expect((await (await proc(222)).acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).acquired).toBe(false);
    });

    it('takes over from an earlier process that had this process\'s pid (a restarted container)', async () => {
      const before = await proc(1, 'host-a', 1000);
      leaseOf(await before.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      const restarted = await proc(1, 'host-a', 2000);
      expect(await restarted.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'process_gone' } });
    });

    it('respects a lock held on another host until its lease expires, and renewing keeps it', async () => {
      const remote = await proc(111, 'host-b');
      let lease = leaseOf(await remote.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      const local = await proc(222, 'host-a');
      // host-b's pid 111 cannot be probed from here (pid 111 on host-a is someone else): only the lease counts.
      alive.delete(111);
      t = T0 + LEASE - 1;
      expect((await local.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).acquired).toBe(false);

      // A long run renews before expiry: the lease moves on, and the lock stays held past the first expiry.
      t = T0 + 50_000;
      const renewed = await remote.renewRunLock(lease, LEASE);
      expect(renewed).toEqual({ ...lease, expiresAt: new Date(T0 + 50_000 + LEASE).toISOString() });
      lease = renewed!;
      t = T0 + 100_000;
      const held = holderOf(await local.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE }));
      expect(held).toMatchObject({ heartbeatAt: new Date(T0 + 50_000).toISOString(), expiresAt: lease.expiresAt, acquiredAt: new Date(T0).toISOString() });

      // Renewals stop (the holder crashed): once the lease passes, the next process takes it over.
      t = Date.parse(lease.expiresAt);
      expect(await local.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'lease_expired', from: { hostname: 'host-b', pid: 111 } } });
      expect(await remote.renewRunLock(lease, LEASE)).toBeNull();
    });

    it('never probes a holder in another PID namespace under the same hostname (docker --network=host, both pid 1)', async () => {
      // Daemon in container A, `collect` run by cron in container B: same hostname, both pid 1, different start times.
      const daemon = await proc(1, 'host-a', 1000, 'pid:[4026532001]');
      const lease = leaseOf(await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      const cron = await proc(1, 'host-a', 2000, 'pid:[4026532002]');
      t = T0 + 30_000;
      expect(holderOf(await cron.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE }))).toMatchObject({ pid: 1, pidNamespace: 'pid:[4026532001]' });
      // Nor by a dead pid: pid 333 here is not pid 333 there.
      const other = await proc(333, 'host-a', 333, 'pid:[4026532002]');
      expect((await other.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).acquired).toBe(false);
      // So the daemon keeps renewing; once it stops, its lease is all that counts.
      const renewed = await daemon.renewRunLock(lease, LEASE);
      expect(renewed).not.toBeNull();
      t = Date.parse(renewed!.expiresAt);
      expect(await cron.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'lease_expired' } });
    });

    it('never probes when the PID namespace is unknown (not Linux, or a holder that did not record it)', async () => {
      const unknown = await proc(333, 'host-a', 333, null);
      leaseOf(await unknown.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      // pid 333 is not alive here, yet the lock holds until its lease expires.
      const local = await proc(222);
      expect((await local.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).acquired).toBe(false);
      t = T0 + LEASE;
      expect(await local.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'lease_expired' } });
    });

    it('keeps a lock whose holder on this host is running past its lease (busy in synchronous sealing), and takes it once that process is gone', async () => {
      startOf.set(111, 111);
      const daemon = await proc(111);
      leaseOf(await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      const cli = await proc(222);
      // No renewal for three leases: the holder's timer could not fire, but its process runs on.
      t = T0 + 3 * LEASE;
      expect(holderOf(await cli.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE }))).toMatchObject({ pid: 111 });
      // Same pid, another process now (the holder died and the pid was reused): taken over.
      startOf.set(111, 111 + 3 * LEASE);
      expect(await cli.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'process_gone', from: { pid: 111 } } });
    });

    it('lets this very process take back its own lock once the lease expired (a release that failed does not shut it out)', async () => {
      const daemon = await proc(111);
      leaseOf(await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      t = T0 + LEASE - 1;
      expect((await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE })).acquired).toBe(false);
      t = T0 + LEASE;
      expect(await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'lease_expired', from: { pid: 111 } } });
    });

    it('lets the lease decide for an expired holder whose pid is alive but whose start the probe cannot read', async () => {
      const daemon = await proc(111);
      leaseOf(await daemon.acquireRunLock({ org: 'acme', command: 'evidentia daemon', leaseMs: LEASE }));
      const cli = await proc(222);
      t = T0 + LEASE - 1;
      expect((await cli.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).acquired).toBe(false);
      t = T0 + LEASE;
      expect(await cli.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE })).toMatchObject({ acquired: true, tookOver: { why: 'lease_expired' } });
    });

    it('is not evidence: holding, taking over and releasing locks leaves runs, manifests and verify as they were', async () => {
      const store = await proc(111);
      const run = await sealTypicalRun(store, 'acme', '2026-11-20T08:00:00Z');
      const manifest = await store.getManifest(run.id);
      const lease = leaseOf(await store.acquireRunLock({ org: 'acme', command: 'evidentia collect', leaseMs: LEASE }));
      // The lock guards collection, not the store: a run can still be begun and sealed (store tests rely on it).
      const second = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z', 'v2');
      expect(second.previousManifestHash).toBe(run.manifestHash);
      await store.releaseRunLock(lease);
      expect(await store.getManifest(run.id)).toBe(manifest);
      expect(await store.verify()).toMatchObject({ ok: true, runsChecked: 2, problems: [] });
    });
  });
}
