import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../core/canonical-json.ts';
import { accessKey, account, KEYS, recordTypicalRun, sealTypicalRun, USERS } from '../store-test-fixtures.ts';
import { entitiesDigest, outcomesDigest } from './manifest.ts';
import { createSqliteHarness } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

describe('manifest', () => {
  let h: SqliteHarness;
  beforeEach(async () => {
    h = await createSqliteHarness();
  });
  afterEach(async () => h.cleanup());

  it('digests entities exactly as documented: sha256 of canonicalJson of the ordered array', async () => {
    const store = await h.open();
    const run = await recordTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    // (instance, stream, kind, key) order: aws-prod before m365-main; alice before bob.
    const expected = [
      { connector: 'aws-iam', instance: 'aws-prod', stream: 'access_keys', entity: accessKey('acme', KEYS, 'AKIAEXAMPLE1') },
      { connector: 'm365', instance: 'm365-main', stream: 'users', entity: account('acme', USERS, 'alice@acme.test') },
      { connector: 'm365', instance: 'm365-main', stream: 'users', entity: account('acme', USERS, 'bob@acme.test') },
    ];
    expect(entitiesDigest(h.raw(), run.id)).toBe(sha256Hex(canonicalJson(expected)));
    const outcomes = (await store.loadSnapshot(run.id)).outcomes;
    expect(outcomesDigest(h.raw(), run.id)).toBe(sha256Hex(canonicalJson(outcomes)));
  });

  it('stores the canonical manifest whose SHA-256 is the manifest hash', async () => {
    const store = await h.open();
    const first = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const run = await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z');
    const row = h.raw().prepare<[number], { manifest_json: string }>('SELECT manifest_json FROM runs WHERE id = ?').get(run.id)!;
    expect(sha256Hex(row.manifest_json)).toBe(run.manifestHash);
    const manifest = JSON.parse(row.manifest_json) as Record<string, unknown>;
    expect(canonicalJson(manifest)).toBe(row.manifest_json);
    expect(manifest).toMatchObject({
      version: 1,
      runId: run.id,
      org: 'acme',
      status: 'complete',
      startedAt: '2026-11-21T09:00:00Z',
      finishedAt: '2026-11-21T09:00:30Z',
      previousManifestHash: first.manifestHash,
    });
    const pages = manifest.pages as Array<{ instance: string; stream: string; seq: number; hash: string }>;
    expect(pages.map((p) => `${p.instance}/${p.stream}/${p.seq}`)).toEqual(['aws-prod/access_keys/1', 'm365-main/users/1', 'm365-main/users/2']);
    expect(pages[1]?.hash).toBe(sha256Hex('{"value":[{"id":"alice"}],"tag":"v1"}'));
  });
});
