import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/agent-config.ts';
import type { EvidenceStore, RunRecord } from '../store/evidence-store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { recordTypicalRun, sealTypicalRun } from '../store/store-test-fixtures.ts';
import { readPackage } from './package-reader.ts';
import { exportResults } from './results-format.ts';
import { initSigningKeys, loadSigningKey, type SigningKey } from './signing-keys.ts';
import { verifyPackage } from './verify-package.ts';
import { writeExportPackage } from './write-package.ts';

/**
 * Two runs of one organisation that overlapped: A started just before the period, B inside it,
 * and B was sealed first. The chain follows sealing order (… → B → A → C), so a package of the
 * period must carry A's manifest to keep its links whole.
 */
describe('export of a period whose runs overlapped a run started before it', () => {
  let dir: string;
  let store: EvidenceStore;
  let key: SigningKey;
  let ids: Record<'before' | 'a' | 'b' | 'c', number>;
  const org = parseConfigText('store: { path: x.db }\norganisations:\n  - id: acme\n    name: Acme\n    connectors:\n      - type: m365\n        id: m365-main\n', 'evidentia.yaml').organisations[0]!;
  const exportTo = (out: string, period = { from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' }) =>
    writeExportPackage({ store, org, period, out, now: () => new Date('2026-11-20T12:00:00.000Z'), toolVersion: '0.1.0', configDigest: 'd'.repeat(64), key, log: pino({ level: 'silent' }) });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-overlap-'));
    store = await openSqliteStore(join(dir, 'evidence.db'));
    const before = await sealTypicalRun(store, 'acme', '2026-09-20T09:00:00Z', 'before');
    const a = await recordTypicalRun(store, 'acme', '2026-09-30T23:00:00Z', 'a');
    const b = await recordTypicalRun(store, 'acme', '2026-10-01T01:00:00Z', 'b');
    await store.finishRun(b.id, { finishedAt: '2026-10-01T01:10:00Z', status: 'complete' });
    const sealedA: RunRecord = await store.finishRun(a.id, { finishedAt: '2026-10-01T02:00:00Z', status: 'complete' });
    const c = await sealTypicalRun(store, 'acme', '2026-10-02T09:00:00Z', 'c');
    ids = { before: before.id, a: a.id, b: b.id, c: c.id };
    // The premise: A is sealed after B, so it links to B.
    expect(sealedA.previousManifestHash).toBe((await store.getRun(b.id))!.manifestHash);
    await initSigningKeys(join(dir, 'keys'));
    key = await loadSigningKey(join(dir, 'keys'));
  }, 30_000);
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a package that verifies, with the earlier run included as a bridging run in sealing order', async () => {
    const out = join(dir, 'october');
    const summary = await exportTo(out);
    expect(summary).toMatchObject({ runs: 2, bridgingRuns: 1 });
    expect(verifyPackage(await readPackage(out)).problems).toEqual([]);
    const results = exportResults.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    expect(results.runs.map((r) => [r.runId, r.bridging ?? false])).toEqual([[ids.b, false], [ids.a, true], [ids.c, false]]);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('<span id="runs-bridging">1</span> bridging');
  });

  it('needs no bridging run when the overlap lies wholly inside the period', async () => {
    const out = join(dir, 'autumn');
    const summary = await exportTo(out, { from: '2026-09-25T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' });
    expect(summary).toMatchObject({ runs: 3, bridgingRuns: 0 });
    expect(verifyPackage(await readPackage(out)).ok).toBe(true);
  });
});
