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
});
