import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import type { EvidenceStore } from '../evidence-store.ts';
import type { StoreHarness } from '../evidence-store.contract.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { SqliteStoreOptions } from './sqlite-store.ts';

/**
 * Real SQLite files in a fresh temp folder per test. Test-only. `dbPath` sits in a sub-folder that
 * does not exist yet, so every test also exercises folder creation.
 */
export interface SqliteHarness extends StoreHarness {
  dir: string;
  dbPath: string;
  open(opts?: SqliteStoreOptions): Promise<EvidenceStore>;
  /** A plain better-sqlite3 connection, as someone editing the file by hand would have. */
  raw(): Db;
}

export async function createSqliteHarness(): Promise<SqliteHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'evidentia-store-'));
  const dbPath = join(dir, 'data', 'evidence.db');
  const stores: EvidenceStore[] = [];
  const raws: Db[] = [];
  return {
    dir,
    dbPath,
    async open(opts = {}) {
      const store = await openSqliteStore(dbPath, opts);
      stores.push(store);
      return store;
    },
    raw() {
      const db = new Database(dbPath);
      raws.push(db);
      return db;
    },
    async cleanup() {
      for (const s of stores) await s.close();
      for (const r of raws) if (r.open) r.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the file as an attacker would: a plain connection with the append-only triggers dropped. */
export function tamper(harness: SqliteHarness, sql: string, ...params: unknown[]): void {
  const db = harness.raw();
  for (const { name } of db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all()) {
    db.exec(`DROP TRIGGER "${name}"`);
  }
  db.pragma('foreign_keys = OFF');
  db.prepare(sql).run(...params);
  db.close();
}
