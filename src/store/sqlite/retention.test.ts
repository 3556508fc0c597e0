import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sealTypicalRun } from '../store-test-fixtures.ts';
import type { EvidenceStore } from '../evidence-store.ts';
import { createSqliteHarness, type SqliteHarness } from './sqlite-test-harness.ts';

/** The retention trigger lets exactly one change through: a body pruned, hash and size kept. */
describe('sqlite retention guard', () => {
  let h: SqliteHarness;
  let store: EvidenceStore;
  let hash: string;
  beforeEach(async () => {
    h = await createSqliteHarness();
    store = await h.open({ now: () => new Date('2026-12-01T00:00:00Z') });
    const run = await sealTypicalRun(store, 'acme', '2026-11-01T09:00:00Z');
    hash = Object.values((await store.loadSnapshot(run.id)).pageHashes).flat()[0]!;
  });
  afterEach(async () => h.cleanup());

  it('refuses to change a body, to prune without a date or changing the size, and to restore a pruned body with bytes of another size', async () => {
    const db = h.raw();
    expect(() => db.prepare("UPDATE blobs SET body = X'00' WHERE hash = ?").run(hash)).toThrow(/append-only: a stored body can only be pruned/);
    expect(() => db.prepare('UPDATE blobs SET body = NULL WHERE hash = ?').run(hash)).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE blobs SET body = NULL, pruned_at = 'x', size = 0 WHERE hash = ?").run(hash)).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM blobs WHERE hash = ?').run(hash)).toThrow(/append-only/);

    expect((await store.prune({ olderThan: new Date('2026-11-15T00:00:00Z') })).blobsPruned).toBe(3);
    const row = db.prepare('SELECT body, pruned_at FROM blobs WHERE hash = ?').get(hash) as { body: Buffer | null; pruned_at: string };
    expect(row).toEqual({ body: null, pruned_at: '2026-12-01T00:00:00.000Z' });
    expect(() => db.prepare("UPDATE blobs SET body = X'00', pruned_at = NULL WHERE hash = ?").run(hash)).toThrow(/append-only/);
    expect(() => db.prepare("UPDATE blobs SET pruned_at = '2030-01-01' WHERE hash = ?").run(hash)).toThrow(/append-only/);
    expect((await store.verify()).ok).toBe(true);
  });

  it('a body removed without the prune mark is still reported as missing evidence', async () => {
    const db = h.raw();
    // Someone with write access drops the guard and deletes a body by hand: verify must notice.
    db.exec('DROP TRIGGER append_only_blobs_update');
    db.prepare('UPDATE blobs SET body = NULL WHERE hash = ?').run(hash);
    const report = await store.verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]?.kind).toBe('page_missing');
  });

  it('a recent body blanked with the prune mark but no recorded prune is reported, and verify names the retention cutoff it accepts', async () => {
    const db = h.raw();
    // The trigger lets the prune shape through, so someone with write access could blank a recent
    // page and call it "pruned": without a retention record covering it, verify says so.
    db.prepare("UPDATE blobs SET body = NULL, pruned_at = '2026-12-01T00:00:00.000Z' WHERE hash = ?").run(hash);
    const forged = await store.verify();
    expect(forged.ok).toBe(false);
    expect(forged.problems[0]).toMatchObject({ kind: 'page_missing', detail: expect.stringContaining('no recorded retention prune removed it') });
  });

  it('a body pruned by a recorded prune whose cutoff is older than the run is reported too', async () => {
    const db = h.raw();
    // A retention record with a cutoff before the run cannot excuse that run's missing body.
    db.prepare("INSERT INTO prune_log (cutoff, pruned_at, blobs, bytes) VALUES ('2026-10-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 1, 1)").run();
    db.prepare("UPDATE blobs SET body = NULL, pruned_at = '2026-12-01T00:00:00.000Z' WHERE hash = ?").run(hash);
    const forged = await store.verify();
    expect(forged.ok).toBe(false);
    expect(forged.problems[0]?.detail).toContain("the run started after that prune's cutoff (2026-10-01T00:00:00.000Z)");
  });

  it('a real prune is recorded, cannot be rewritten, and verify passes naming its cutoff', async () => {
    await store.prune({ olderThan: new Date('2026-11-15T00:00:00Z') });
    const db = h.raw();
    expect(db.prepare('SELECT cutoff, pruned_at, blobs FROM prune_log').all()).toEqual([{ cutoff: '2026-11-15T00:00:00.000Z', pruned_at: '2026-12-01T00:00:00.000Z', blobs: 3 }]);
    expect(() => db.prepare("UPDATE prune_log SET cutoff = '2030-01-01T00:00:00.000Z'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM prune_log').run()).toThrow(/append-only/);
    const report = await store.verify();
    expect(report.ok).toBe(true);
    expect(report.message).toContain('runs started before 2026-11-15T00:00:00.000Z');
  });
});
