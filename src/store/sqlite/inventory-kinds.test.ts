import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EvidenceStore, RunRecord } from '../evidence-store.ts';
import { evaluatedTypicalRun, result } from '../store-test-fixtures.ts';
import { createSqliteHarness, tamper } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

/** `loadInventoryKinds`: some kinds of an evaluation's inventories, checked as the whole set is. */
describe('loadInventoryKinds', () => {
  let h: SqliteHarness;
  let store: EvidenceStore;
  let run: RunRecord;
  let evaluationId: number;

  beforeEach(async () => {
    h = await createSqliteHarness();
    store = await h.open();
    ({ run, evaluationId } = await evaluatedTypicalRun(store));
  });
  afterEach(async () => h.cleanup());

  it('returns the asked kinds exactly as the whole set has them, and nothing else', async () => {
    const all = (await store.loadInventories(evaluationId))!;
    const some = await store.loadInventoryKinds(evaluationId, ['leavers', 'apps']);
    expect(some).toEqual({ org: all.org, runId: all.runId, asOf: all.asOf, leavers: all.leavers, apps: all.apps });
  });

  it('is null for an evaluation stored without inventories, and not_found for an unknown one', async () => {
    const bare = await store.recordEvaluation(run.id, { evaluatedAt: '2026-11-20T11:00:00Z', paramsDigest: 'p', results: [result('mfa')] });
    expect(await store.loadInventoryKinds(bare.id, ['leavers'])).toBeNull();
    await expect(store.loadInventoryKinds(bare.id + 100, ['leavers'])).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a changed kind it reads, and a set with a kind removed, even one it does not read', async () => {
    tamper(h, `UPDATE json_blobs SET json = json || ' ' WHERE id = (SELECT blob_id FROM inventories WHERE kind = 'apps' AND evaluation_id = ?)`, evaluationId);
    await expect(store.loadInventoryKinds(evaluationId, ['apps'])).rejects.toMatchObject({ code: 'store_failed', message: expect.stringContaining(`apps inventory of evaluation ${evaluationId} (run ${run.id}) no longer matches its SHA-256`) });
    tamper(h, `DELETE FROM inventories WHERE kind = 'accounts' AND evaluation_id = ?`, evaluationId);
    await expect(store.loadInventoryKinds(evaluationId, ['leavers'])).rejects.toMatchObject({ code: 'store_failed', message: expect.stringContaining('accounts inventory of evaluation') });
  });
});
