import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import type { EvidenceStore } from './evidence-store.ts';
import { describeRunLockContract } from './run-lock.contract.ts';
import {
  accessKey, account, beginInput, inventoriesOf, KEYS, outcome, page, recordTypicalRun, rejection, result, sealTypicalRun, USERS,
} from './store-test-fixtures.ts';

/** Process facts a store records with each run, injected so abandoned-run detection is testable. */
export interface ContractProcessOptions {
  now?: () => Date;
  pid?: number;
  hostname?: string;
  processStartedAt?: number;
  /** PID namespace and boot id: pids are probed only between processes that share both. */
  pidNamespace?: string | null;
  bootId?: string | null;
  isProcessAlive?: (pid: number) => boolean;
  processStartedAtOf?: (pid: number) => number | null;
}

export interface StoreHarness {
  /** Opens the store under test; every call within one test reaches the same stored data. */
  open(opts?: ContractProcessOptions): Promise<EvidenceStore>;
  /** Closes what `open` opened and removes the data. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every EvidenceStore implementation must show (SQLite now, PostgreSQL later), run
 * by each implementation's own test file. Implementation details (files, tampering) are tested
 * beside the implementation, not here.
 */
export function describeEvidenceStoreContract(name: string, createHarness: () => Promise<StoreHarness>): void {
  describe(`EvidenceStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: EvidenceStore;
    beforeEach(async () => {
      harness = await createHarness();
      store = await harness.open();
    });
    afterEach(async () => harness.cleanup());

    it('begins a run as running, unsealed and empty', async () => {
      const run = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
      expect(run).toMatchObject({ org: 'acme', status: 'running', finishedAt: null, manifestHash: null, previousManifestHash: null, pageCount: 0, entityCount: 0 });
      expect(await store.getRun(run.id)).toEqual(run);
      expect(await store.getRun(run.id + 1000)).toBeNull();
    });

    it('hashes each page body as SHA-256 of its UTF-8 bytes, the same body giving the same hash in any run', async () => {
      const body = '{"displayName":"Zoë"}';
      const a = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
      const b = await store.beginRun(beginInput('acme', '2026-11-21T09:00:00Z'));
      const hashA = await store.recordPage(a.id, page(USERS, 1, body));
      const hashB = await store.recordPage(b.id, page(USERS, 1, body));
      expect(hashA).toBe(sha256Hex(Buffer.from(body, 'utf8')));
      expect(hashB).toBe(hashA);
      expect((await store.getRun(b.id))?.pageCount).toBe(1);
    });

    it('loads back exactly the entities, outcomes and page hashes that were recorded', async () => {
      const run = await recordTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const snap = await store.loadSnapshot(run.id);
      const byKey = (x: { key: string }, y: { key: string }) => x.key.localeCompare(y.key);
      expect([...snap.entities].sort(byKey)).toEqual(
        [account('acme', USERS, 'alice@acme.test'), account('acme', USERS, 'bob@acme.test'), accessKey('acme', KEYS, 'AKIAEXAMPLE1')].sort(byKey),
      );
      expect(snap.outcomes).toEqual([outcome(KEYS, { pages: 1, records: 1 }), outcome(USERS)]);
      expect(snap.pageHashes).toEqual({
        'm365-main/users': [sha256Hex('{"value":[{"id":"alice"}],"tag":"v1"}'), sha256Hex('{"value":[{"id":"bob"}],"tag":"v1"}')],
        'aws-prod/access_keys': [sha256Hex('<ListAccessKeysResult tag="v1"/>')],
      });
      expect(snap.run).toMatchObject({ id: run.id, pageCount: 3, entityCount: 3 });
    });

    it('refuses an unknown run with not_found naming it', async () => {
      const err = await rejection(store.loadSnapshot(4242), 'not_found');
      expect(err.message).toMatch(/Run 4242/);
      expect(err.message).toMatch(/evidentia runs/);
    });

    it('chains sealed manifests per organisation, interleaved runs of two orgs staying separate', async () => {
      const a1 = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const b1 = await sealTypicalRun(store, 'beta', '2026-11-20T10:00:00Z');
      const a2 = await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z', 'v2');
      const b2 = await sealTypicalRun(store, 'beta', '2026-11-21T10:00:00Z');
      const a3 = await sealTypicalRun(store, 'acme', '2026-11-22T09:00:00Z', 'v3');
      for (const r of [a1, b1, a2, b2, a3]) {
        expect(r.status).toBe('complete');
        expect(r.manifestHash).toMatch(/^[0-9a-f]{64}$/);
      }
      expect(new Set([a1, b1, a2, b2, a3].map((r) => r.manifestHash)).size).toBe(5);
      expect(a1.previousManifestHash).toBeNull();
      expect(a2.previousManifestHash).toBe(a1.manifestHash);
      expect(a3.previousManifestHash).toBe(a2.manifestHash);
      expect(b1.previousManifestHash).toBeNull();
      expect(b2.previousManifestHash).toBe(b1.manifestHash);
      expect((await store.verify()).ok).toBe(true);
    });

    it('keeps an interrupted run out of the chain and out of evidence', async () => {
      const a1 = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const broken = await recordTypicalRun(store, 'acme', '2026-11-21T09:00:00Z', 'v2');
      const stopped = await store.finishRun(broken.id, { finishedAt: '2026-11-21T09:00:09Z', status: 'interrupted' });
      expect(stopped).toMatchObject({ status: 'interrupted', manifestHash: null, previousManifestHash: null, finishedAt: '2026-11-21T09:00:09Z' });
      const a3 = await sealTypicalRun(store, 'acme', '2026-11-22T09:00:00Z', 'v3');
      expect(a3.previousManifestHash).toBe(a1.manifestHash);
      await rejection(store.recordEvaluation(broken.id, { evaluatedAt: '2026-11-21T10:00:00Z', paramsDigest: 'p', results: [] }), 'store_failed');
      expect((await store.verify()).ok).toBe(true);
    });

    it('refuses new evidence for a finished run and a second finish', async () => {
      const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const err = await rejection(store.recordPage(run.id, page(USERS, 3, '{}')), 'store_failed');
      expect(err.message).toMatch(/complete.*append-only/);
      await rejection(store.recordEntities(run.id, USERS, [account('acme', USERS, 'eve@acme.test')]), 'store_failed');
      await rejection(store.recordStreamOutcome(run.id, outcome({ ...USERS, stream: 'guests' })), 'store_failed');
      await rejection(store.finishRun(run.id, { finishedAt: '2026-11-20T10:00:00Z', status: 'failed' }), 'store_failed');
      expect((await store.getRun(run.id))?.status).toBe('complete');
    });

    it('refuses a page number, an entity key or a stream outcome recorded twice', async () => {
      const run = await recordTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      expect((await rejection(store.recordPage(run.id, page(USERS, 2, 'other')), 'store_failed')).message).toMatch(/already has page 2 of m365-main\/users/);
      const dup = await rejection(store.recordEntities(run.id, USERS, [account('acme', USERS, 'alice@acme.test')]), 'store_failed');
      expect(dup.message).toMatch(/id-alice@acme.test/);
      await rejection(store.recordStreamOutcome(run.id, outcome(USERS)), 'store_failed');
      expect((await store.getRun(run.id))?.entityCount).toBe(3);
    });

    it('refuses an entity filed under another organisation or instance', async () => {
      const run = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
      const err = await rejection(store.recordEntities(run.id, USERS, [account('beta', USERS, 'x@beta.test')]), 'internal');
      expect(err.message).toMatch(/beta\/m365\/m365-main.*acme\/m365\/m365-main/);
      expect((await store.getRun(run.id))?.entityCount).toBe(0);
    });

    it('records evaluations only for sealed runs, hashing them with the run manifest hash', async () => {
      const running = await store.beginRun(beginInput('acme', '2026-11-19T09:00:00Z'));
      const refused = await rejection(store.recordEvaluation(running.id, { evaluatedAt: '2026-11-20T10:00:00Z', paramsDigest: 'p', results: [result('mfa')] }), 'store_failed');
      expect(refused.message).toMatch(/still running/);

      const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const input = { evaluatedAt: '2026-11-20T10:00:00Z', paramsDigest: 'd'.repeat(64), results: [result('mfa')] };
      const first = await store.recordEvaluation(run.id, input);
      expect(first.resultsHash).toBe(sha256Hex(canonicalJson({ runManifestHash: run.manifestHash, evaluatedAt: input.evaluatedAt, paramsDigest: input.paramsDigest, results: input.results })));
      const second = await store.recordEvaluation(run.id, { ...input, evaluatedAt: '2026-11-20T11:00:00Z', results: [result('mfa', { status: 'pass', measured: 1 })] });
      expect(second.id).toBeGreaterThan(first.id);
      expect(await store.latestEvaluation(run.id)).toEqual(second);
      expect(await store.latestEvaluation(running.id)).toBeNull();
      // Handed over exactly as hashed, for export.
      const text = await store.getEvaluationText(first.id);
      expect(sha256Hex(text)).toBe(first.resultsHash);
      expect(JSON.parse(text)).toEqual({ runManifestHash: run.manifestHash, ...input });
      await rejection(store.getEvaluationText(second.id + 100), 'not_found');
    });

    it('stores inventories with their evaluation and loads them back; none for an evaluation stored without', async () => {
      const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const input = { evaluatedAt: '2026-11-20T10:00:00Z', paramsDigest: 'p', results: [result('mfa')] };
      const bare = await store.recordEvaluation(run.id, input);
      expect(await store.loadInventories(bare.id)).toBeNull();
      const inventories = inventoriesOf('acme', run.id, run.startedAt);
      const withInv = await store.recordEvaluation(run.id, { ...input, inventories });
      expect(await store.loadInventories(withInv.id)).toEqual(inventories);
      await rejection(store.loadInventories(withInv.id + 1000), 'not_found');
      // Inventories of another run are never filed under this evaluation, and nothing is half-stored.
      await rejection(store.recordEvaluation(run.id, { ...input, inventories: inventoriesOf('acme', run.id + 1, run.startedAt) }), 'internal');
      expect((await store.latestEvaluation(run.id))?.id).toBe(withInv.id);
      expect((await store.verify()).ok).toBe(true);
    });

    it('finds the latest evaluated sealed run per organisation', async () => {
      const a1 = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const b1 = await sealTypicalRun(store, 'beta', '2026-11-20T10:00:00Z');
      const a2 = await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z', 'v2');
      expect(await store.latestEvaluatedRun('acme')).toBeNull();
      const ev = { evaluatedAt: '2026-11-22T00:00:00Z', paramsDigest: 'p', results: [result('mfa')] };
      await store.recordEvaluation(a1.id, ev);
      await store.recordEvaluation(b1.id, ev);
      expect((await store.latestEvaluatedRun('acme'))?.id).toBe(a1.id);
      await store.recordEvaluation(a2.id, ev);
      expect((await store.latestEvaluatedRun('acme'))?.id).toBe(a2.id);
      expect((await store.latestEvaluatedRun('beta'))?.id).toBe(b1.id);
      expect((await store.latestEvaluatedRun())?.id).toBe(a2.id);
      expect(await store.latestEvaluatedRun('nobody')).toBeNull();
    });

    it('marks runs of a dead process interrupted, leaves live ones, and never counts them as evidence', async () => {
      const now = new Date('2026-11-20T12:00:00Z');
      const crashed = await harness.open({ pid: 111, hostname: 'host-a', processStartedAt: 1 });
      const alive = await harness.open({ pid: 222, hostname: 'host-a', processStartedAt: 2 });
      const sealed = await sealTypicalRun(store, 'acme', '2026-11-20T08:00:00Z');
      await store.recordEvaluation(sealed.id, { evaluatedAt: '2026-11-20T08:30:00Z', paramsDigest: 'p', results: [] });
      const dead = await recordTypicalRun(crashed, 'acme', '2026-11-20T09:00:00Z', 'v2');
      const live = await alive.beginRun(beginInput('acme', '2026-11-20T10:00:00Z'));

      const cli = await harness.open({ pid: 333, hostname: 'host-a', processStartedAt: 3, now: () => now, isProcessAlive: (pid) => pid === 222 });
      expect(await cli.markAbandonedRuns()).toEqual([dead.id]);
      expect(await cli.getRun(dead.id)).toMatchObject({ status: 'interrupted', finishedAt: now.toISOString(), manifestHash: null, pageCount: 3 });
      expect((await cli.getRun(live.id))?.status).toBe('running');
      expect(await cli.markAbandonedRuns()).toEqual([]);
      expect((await cli.latestEvaluatedRun('acme'))?.id).toBe(sealed.id);
      await rejection(crashed.recordPage(dead.id, page(USERS, 9, '{}')), 'store_failed');
      expect((await cli.listRuns({ org: 'acme' })).map((r) => r.status)).toEqual(['running', 'interrupted', 'complete']);
    });

    it('lists runs newest first, by organisation and with a limit', async () => {
      const a1 = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
      const b1 = await store.beginRun(beginInput('beta', '2026-11-20T09:00:00Z'));
      const a2 = await store.beginRun(beginInput('acme', '2026-11-21T09:00:00Z'));
      expect((await store.listRuns()).map((r) => r.id)).toEqual([a2.id, b1.id, a1.id]);
      expect((await store.listRuns({ org: 'acme' })).map((r) => r.id)).toEqual([a2.id, a1.id]);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual([a2.id]);
    });

    it('verifies untouched evidence', async () => {
      const a1 = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z');
      await store.recordEvaluation(a1.id, { evaluatedAt: '2026-11-21T00:00:00Z', paramsDigest: 'p', results: [result('mfa')] });
      await recordTypicalRun(store, 'acme', '2026-11-22T09:00:00Z');
      const report = await store.verify();
      expect(report).toMatchObject({ ok: true, runsChecked: 3, pagesChecked: 9, pagesPruned: 0, evaluationsChecked: 1, problems: [], problemCount: 0 });
      expect(report.message).toMatch(/Verified 3 run/);
    });

    it('hands out the manifest exactly as hashed and each page body by its hash', async () => {
      const running = await recordTypicalRun(store, 'acme', '2026-11-19T09:00:00Z');
      expect(await store.getManifest(running.id)).toBeNull();
      const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      const text = await store.getManifest(run.id);
      expect(text).not.toBeNull();
      expect(sha256Hex(text!)).toBe(run.manifestHash);
      const manifest = JSON.parse(text!) as { pages: Array<{ hash: string }>; runId: number };
      expect(manifest.runId).toBe(run.id);
      for (const p of manifest.pages) {
        const body = await store.readPageBody(p.hash);
        expect(body).not.toBeNull();
        expect(sha256Hex(body!)).toBe(p.hash);
      }
      expect(Buffer.from((await store.readPageBody(manifest.pages[1]!.hash))!).toString('utf8')).toBe('{"value":[{"id":"alice"}],"tag":"v1"}');
      expect(await store.readPageBody('0'.repeat(64))).toBeNull();
      await rejection(store.getManifest(9999), 'not_found');
    });

    it('prunes bodies used only by old runs, keeps shared and running ones, and verify still passes', async () => {
      const old = await sealTypicalRun(store, 'acme', '2026-11-01T09:00:00Z', 'old');
      const mid = await sealTypicalRun(store, 'acme', '2026-11-10T09:00:00Z', 'shared');
      const recent = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z', 'shared');
      const stillRunning = await recordTypicalRun(store, 'globex', '2026-10-01T09:00:00Z', 'running');
      await store.recordEvaluation(old.id, { evaluatedAt: '2026-11-01T10:00:00Z', paramsDigest: 'p', results: [result('mfa')] });
      const hashesOf = async (runId: number) => Object.values((await store.loadSnapshot(runId)).pageHashes).flat();
      const oldHashes = await hashesOf(old.id);
      const sizes = await Promise.all(oldHashes.map(async (h) => (await store.readPageBody(h))!.length));

      const pruned = await store.prune({ olderThan: new Date('2026-11-15T00:00:00Z') });
      expect(pruned).toEqual({ blobsPruned: 3, bytesFreed: sizes.reduce((a, b) => a + b, 0) });
      for (const h of oldHashes) expect(await store.readPageBody(h)).toBeNull();
      // The mid run's bodies are also the recent run's: kept. A running run's bodies are kept whatever its age.
      for (const h of [...(await hashesOf(mid.id)), ...(await hashesOf(stillRunning.id))]) expect(await store.readPageBody(h)).not.toBeNull();
      // Entities, manifests and evaluations are kept: the old run can still be judged and proven.
      const snap = await store.loadSnapshot(old.id);
      expect(snap.entities).toHaveLength(3);
      expect(await store.getManifest(old.id)).not.toBeNull();
      const report = await store.verify();
      expect(report).toMatchObject({ ok: true, pagesPruned: 3, pagesChecked: 9, evaluationsChecked: 1 });
      expect(report.message).toMatch(/3 page\(s\) pruned by retention/);
      // Pruning again finds nothing: a pruned body is never restored nor counted twice.
      expect(await store.prune({ olderThan: new Date('2026-11-15T00:00:00Z') })).toEqual({ blobsPruned: 0, bytesFreed: 0 });
      expect((await store.getRun(recent.id))?.status).toBe('complete');
      // A new run receiving the same bytes as a pruned body gets them stored again: no current run rests on a gone body.
      const again = await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z', 'old');
      expect(await hashesOf(again.id)).toEqual(oldHashes);
      for (const h of oldHashes) expect(await store.readPageBody(h)).not.toBeNull();
      expect(await store.verify()).toMatchObject({ ok: true, pagesPruned: 0 });
    });

    it('keeps stream checkpoints: only sealed runs count, the newest wins, the base run is named in the manifest', async () => {
      expect(await store.latestCheckpoint('acme', USERS.instance, USERS.stream)).toBeNull();
      const base = await recordTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      await store.recordCheckpoint(base.id, USERS, { value: { link: 'one' }, recordedAt: '2026-11-20T09:00:10Z', baseRunId: null });
      // Not sealed yet: not in force.
      expect(await store.latestCheckpoint('acme', USERS.instance, USERS.stream)).toBeNull();
      await store.finishRun(base.id, { finishedAt: '2026-11-20T09:00:30Z', status: 'complete' });
      expect(await store.latestCheckpoint('acme', USERS.instance, USERS.stream)).toEqual({ runId: base.id, recordedAt: '2026-11-20T09:00:10Z', value: { link: 'one' }, baseRunId: null });
      expect(await store.latestCheckpoint('other', USERS.instance, USERS.stream)).toBeNull();

      // An interrupted run's checkpoint never counts.
      const cut = await store.beginRun(beginInput('acme', '2026-11-20T10:00:00Z', { mode: 'incremental' }));
      await store.recordCheckpoint(cut.id, USERS, { value: { link: 'cut' }, recordedAt: '2026-11-20T10:00:10Z', baseRunId: base.id });
      await store.finishRun(cut.id, { finishedAt: '2026-11-20T10:00:30Z', status: 'interrupted' });
      expect((await store.latestCheckpoint('acme', USERS.instance, USERS.stream))?.runId).toBe(base.id);

      const inc = await store.beginRun(beginInput('acme', '2026-11-20T11:00:00Z', { mode: 'incremental' }));
      expect(inc.mode).toBe('incremental');
      await store.recordPage(inc.id, page(USERS, 1, '{"value":[],"@odata.deltaLink":"x"}'));
      await store.recordEntities(inc.id, USERS, [account('acme', USERS, 'alice@acme.test')]);
      await store.recordStreamOutcome(inc.id, outcome(USERS));
      await rejection(store.recordCheckpoint(inc.id, USERS, { value: { link: 'x' }, recordedAt: '2026-11-20T11:00:10Z', baseRunId: cut.id }), 'store_failed');
      await store.recordCheckpoint(inc.id, USERS, { value: { link: 'two' }, recordedAt: '2026-11-20T11:00:10Z', baseRunId: base.id });
      await store.finishRun(inc.id, { finishedAt: '2026-11-20T11:00:30Z', status: 'complete' });
      expect(await store.latestCheckpoint('acme', USERS.instance, USERS.stream)).toMatchObject({ runId: inc.id, value: { link: 'two' }, baseRunId: base.id });
      const manifest = JSON.parse((await store.getManifest(inc.id))!) as Record<string, unknown>;
      expect(manifest).toMatchObject({ mode: 'incremental', derivedFrom: [{ instance: USERS.instance, stream: USERS.stream, baseRunId: base.id, baseManifestHash: (await store.getRun(base.id))!.manifestHash }] });
      expect(JSON.parse((await store.getManifest(base.id))!)).not.toHaveProperty('mode');
      expect((await store.loadStreamEntities(base.id, USERS.instance, USERS.stream)).map((e) => e.key).sort()).toHaveLength(2);
      expect(await store.verify()).toMatchObject({ ok: true });
    });

    it('refuses calls after close', async () => {
      await store.close();
      await rejection(store.listRuns(), 'store_failed');
      await store.close();
    });

    describeRunLockContract(createHarness);
  });
}
