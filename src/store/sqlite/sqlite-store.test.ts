import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/canonical-json.ts';
import { describeEvidenceStoreContract } from '../evidence-store.contract.ts';
import { beginInput, page, recordTypicalRun, rejection, sealTypicalRun, USERS } from '../store-test-fixtures.ts';
import { createSqliteHarness } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

describeEvidenceStoreContract('SQLite', createSqliteHarness);

describe('SQLite evidence store', () => {
  let h: SqliteHarness;
  beforeEach(async () => {
    h = await createSqliteHarness();
  });
  afterEach(async () => h.cleanup());

  it('stores a body once however many runs use it, each run pointing at it', async () => {
    const store = await h.open();
    const r1 = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z', 'same');
    const r2 = await sealTypicalRun(store, 'beta', '2026-11-21T09:00:00Z', 'same');
    const raw = h.raw();
    expect(raw.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: 3 });
    expect(raw.prepare('SELECT count(*) AS n FROM pages').get()).toEqual({ n: 6 });
    const hash = sha256Hex('{"value":[{"id":"alice"}],"tag":"same"}');
    const users = raw.prepare('SELECT run_id FROM pages WHERE blob_hash = ? ORDER BY run_id').all(hash);
    expect(users).toEqual([{ run_id: r1.id }, { run_id: r2.id }]);
    expect((await store.loadSnapshot(r2.id)).pageHashes['m365-main/users']?.[0]).toBe(hash);
    const body = Buffer.from('{"value":[{"id":"alice"}],"tag":"same"}');
    expect(raw.prepare('SELECT body, size FROM blobs WHERE hash = ?').get(hash)).toEqual({ body, size: body.length });
  });

  it('creates the folder 0700 and the database, -wal and -shm files 0600', async () => {
    const store = await h.open();
    await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    expect(statSync(dirname(h.dbPath)).mode & 0o777).toBe(0o700);
    for (const suffix of ['', '-wal', '-shm']) {
      expect({ file: `evidence.db${suffix}`, mode: statSync(h.dbPath + suffix).mode & 0o777 }).toEqual({ file: `evidence.db${suffix}`, mode: 0o600 });
    }
  });

  // synchronous and foreign_keys are per connection, so only the file's journal mode is visible here.
  it('puts the file in WAL mode', async () => {
    await h.open();
    const raw = h.raw();
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('refuses updates and deletes of evidence even through plain SQL', async () => {
    const store = await h.open();
    const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const raw = h.raw();
    expect(() => raw.prepare('UPDATE blobs SET body = ?').run(Buffer.from('x'))).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM pages').run()).toThrow(/append-only/);
    expect(() => raw.prepare('UPDATE entity_blobs SET json = ?').run('{}')).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM entity_set_members').run()).toThrow(/append-only/);
    expect(() => raw.prepare('UPDATE run_entity_sets SET set_id = 0').run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM entity_sets').run()).toThrow(/append-only/);
    expect(() => raw.prepare(`UPDATE runs SET status = 'interrupted' WHERE id = ?`).run(run.id)).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM runs').run()).toThrow(/append-only/);
    expect((await store.verify()).ok).toBe(true);
  });

  it('lets a daemon and a CLI process write the same file', async () => {
    const daemon = await h.open({ pid: 1001 });
    const cli = await h.open({ pid: 1002 });
    const a = await daemon.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
    const b = await cli.beginRun(beginInput('acme', '2026-11-20T09:00:01Z'));
    await daemon.recordPage(a.id, page(USERS, 1, 'daemon body'));
    await cli.recordPage(b.id, page(USERS, 1, 'cli body'));
    const sealedB = await cli.finishRun(b.id, { finishedAt: '2026-11-20T09:01:00Z', status: 'complete' });
    const sealedA = await daemon.finishRun(a.id, { finishedAt: '2026-11-20T09:02:00Z', status: 'partial' });
    // Chain order is sealing order: the run sealed second points at the one sealed first.
    expect(sealedA.previousManifestHash).toBe(sealedB.manifestHash);
    expect((await daemon.listRuns()).map((r) => r.status)).toEqual(['complete', 'partial']);
    expect((await cli.verify()).ok).toBe(true);
  });

  it('reports store_locked when another process holds the write lock past the busy timeout', async () => {
    const store = await h.open({ busyTimeoutMs: 50 });
    const run = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
    const other = h.raw();
    other.exec('BEGIN IMMEDIATE');
    const err = await rejection(store.recordPage(run.id, page(USERS, 1, 'x')), 'store_locked');
    expect(err.message).toMatch(/locked by another process for more than 50 ms while trying to record a page/);
    // Reading is not blocked by a writer in WAL mode.
    expect((await store.getRun(run.id))?.status).toBe('running');
    other.exec('COMMIT');
    await expect(store.recordPage(run.id, page(USERS, 1, 'x'))).resolves.toBe(sha256Hex('x'));
  });

  it('keeps a run consistent when the process dies between pages', async () => {
    // Simulates SIGKILL: the store is dropped without finishing the run or closing cleanly.
    const crashed = await h.open({ pid: 4242, hostname: 'host-a', processStartedAt: 1 });
    const run = await recordTypicalRun(crashed, 'acme', '2026-11-20T09:00:00Z');
    const next = await h.open({ pid: 5000, hostname: 'host-a', processStartedAt: 2, isProcessAlive: () => false });
    expect(await next.markAbandonedRuns()).toEqual([run.id]);
    const snap = await next.loadSnapshot(run.id);
    expect(snap.run.status).toBe('interrupted');
    expect(snap.entities).toHaveLength(3);
    expect((await next.verify()).ok).toBe(true);
  });

  it('treats a run of an earlier process with the same pid (a restarted container) as abandoned', async () => {
    const before = await h.open({ pid: 1, hostname: 'container', processStartedAt: 1000 });
    const run = await before.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
    const same = await h.open({ pid: 1, hostname: 'container', processStartedAt: 1000, isProcessAlive: () => true });
    expect(await same.markAbandonedRuns()).toEqual([]);
    const after = await h.open({ pid: 1, hostname: 'container', processStartedAt: 9000, isProcessAlive: () => true });
    expect(await after.markAbandonedRuns()).toEqual([run.id]);
  });

  it('leaves running the run of a container that shares this hostname but not its PID namespace (docker --network=host)', async () => {
    const day = 86_400_000;
    let t = Date.parse('2026-11-20T09:00:30Z');
    const box = (pidNamespace: string, processStartedAt: number) =>
      h.open({ pid: 1, hostname: 'host-a', processStartedAt, pidNamespace, bootId: 'boot-1', now: () => new Date(t), isProcessAlive: () => false });
    const daemon = await box('pid:[4026532001]', 1000);
    const run = await daemon.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
    // `collect` in the other container: pid 1 with another start time, and pid 1 "dead" here means nothing.
    const cron = await box('pid:[4026532002]', 2000);
    expect(await cron.markAbandonedRuns()).toEqual([]);
    expect((await daemon.getRun(run.id))?.status).toBe('running');
    // Only age counts, as for a run from another host.
    t += day;
    expect(await cron.markAbandonedRuns()).toEqual([run.id]);
  });

  it('reports a file that is not a database as store_failed', async () => {
    const { writeFileSync, mkdirSync } = await import('node:fs');
    mkdirSync(dirname(h.dbPath), { recursive: true });
    writeFileSync(h.dbPath, 'this is not sqlite, just some text that is long enough to have a header '.repeat(20));
    const err = await rejection(h.open(), 'store_failed');
    expect(err.message).toContain(h.dbPath);
    expect(err.message).toMatch(/not an SQLite database|not a database/);
  });
});
