import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../core/canonical-json.ts';
import { inventoryRowHash } from '../store/sqlite/inventories.ts';
import { buildExportFixture, type ExportFixture } from './export-test-fixtures.ts';
import { exportResults } from './results-format.ts';

/** Opens the store file as an attacker would: a plain connection with the append-only triggers dropped. */
function tamper(storePath: string, sql: string, ...params: unknown[]): void {
  const db = new Database(storePath);
  try {
    for (const { name } of db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all()) db.exec(`DROP TRIGGER "${name}"`);
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

interface Row {
  id: number;
  evaluation_id: number;
  kind: string;
  /** The content: in json_blobs since 008-content-dedup.sql (the row keeps ''), inline before. */
  json: string;
  blob_id: number | null;
  sha256: string;
  previous_sha256: string | null;
}
const rowsOf = (storePath: string): Row[] => {
  const db = new Database(storePath, { readonly: true });
  try {
    return db
      .prepare<[], Row>(
        `SELECT i.id, i.evaluation_id, i.kind, coalesce(b.json, i.json) AS json, i.blob_id, i.sha256, i.previous_sha256
         FROM inventories i LEFT JOIN json_blobs b ON b.id = i.blob_id ORDER BY i.id`,
      )
      .all();
  } finally {
    db.close();
  }
};

describe('the population CSVs of an export rest on the stored inventories', () => {
  let fx: ExportFixture;
  beforeAll(async () => {
    fx = await buildExportFixture();
  }, 30_000);
  afterAll(async () => fx.cleanup());

  it('names, in results.json, the evaluation and the SHA-256 of each stored inventory the CSVs come from', async () => {
    const out = join(fx.dir, 'genuine');
    await fx.exportTo(out);
    const results = exportResults.parse(JSON.parse(await readFile(join(out, 'results.json'), 'utf8')));
    const latest = results.runs.at(-1)!.evaluation!;
    const stored = rowsOf(fx.storePath).filter((r) => r.evaluation_id === latest.id);
    expect(stored).toHaveLength(5);
    expect(results.inventories).toMatchObject({ evaluationId: latest.id, runId: 6, resultsHash: latest.resultsHash });
    for (const row of stored) {
      expect(results.inventories!.kinds.find((k) => k.kind === row.kind)).toMatchObject({ jsonSha256: sha256Hex(row.json) });
    }
    expect(results.inventories!.kinds.find((k) => k.kind === 'leavers')).toMatchObject({ file: 'leavers.csv' });
  });

  it('refuses to export when a stored inventory row was changed, and writes nothing', async () => {
    const leavers = rowsOf(fx.storePath).filter((r) => r.kind === 'leavers').at(-1)!;
    tamper(fx.storePath, `UPDATE json_blobs SET json = replace(json, 'lee@contoso.com', 'someone-else@contoso.com') WHERE id = ?`, leavers.blob_id);
    const out = join(fx.dir, 'changed');
    await expect(fx.exportTo(out)).rejects.toMatchObject({ code: 'store_failed', message: expect.stringContaining(`The leavers inventory of evaluation ${leavers.evaluation_id} (run 6) no longer matches its SHA-256`) });
    await expect(readFile(join(out, 'manifest.json'))).rejects.toThrow();
    tamper(fx.storePath, 'UPDATE json_blobs SET json = ? WHERE id = ?', leavers.json, leavers.blob_id);
  });

  it('refuses to export when a row was re-hashed but no longer follows the row stored before it', async () => {
    const accounts = rowsOf(fx.storePath).filter((r) => r.kind === 'accounts').at(-1)!;
    const previous = 'f'.repeat(64);
    const sha256 = inventoryRowHash({ evaluationId: accounts.evaluation_id, kind: 'accounts', resultsHash: (JSON.parse(await readFile(join(fx.dir, 'genuine', 'results.json'), 'utf8')) as { inventories: { resultsHash: string } }).inventories.resultsHash, json: accounts.json, previous });
    tamper(fx.storePath, 'UPDATE inventories SET previous_sha256 = ?, sha256 = ? WHERE id = ?', previous, sha256, accounts.id);
    await expect(fx.exportTo(join(fx.dir, 'relinked'))).rejects.toMatchObject({ code: 'store_failed', message: expect.stringContaining('no longer follows the inventory stored before it') });
  });
});
