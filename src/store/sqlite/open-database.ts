import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { applyMigrations, loadMigrations } from './migrations.ts';
import { toAgentError } from './sqlite-errors.ts';

export const MEMORY = ':memory:';

/**
 * Opens (creating when missing) the evidence database with the settings the store relies on, and
 * migrates it to the newest schema. Evidence holds personal data (user lists, sign-in times), so a
 * new file is created owner-only (0600) in an owner-only folder (0700); SQLite creates the -wal and
 * -shm files with the database file's permissions, so they are 0600 as well.
 */
export function openDatabase(path: string, busyTimeoutMs: number): { db: Db; where: string } {
  const where = path === MEMORY ? MEMORY : resolve(path);
  const ctx = { where, busyTimeoutMs };
  try {
    if (where !== MEMORY) createOwnerOnly(where);
  } catch (e) {
    throw toAgentError(e, 'create the database file', ctx);
  }

  let db: Db | undefined;
  try {
    db = new Database(where, { timeout: busyTimeoutMs });
    // Set first, so even the switch to WAL below waits for a concurrent opener instead of failing.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // WAL: the daemon and a CLI command can read while the other writes; readers never block writers.
    db.pragma('journal_mode = WAL');
    // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss (never corrupts).
    // For evidence that matters: a sealed manifest hash may already be exported or reported, and
    // losing the seal would fork the chain. The cost is one fsync per commit, small next to the
    // network time of the page each commit stores.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    applyMigrations(db, loadMigrations(), where);
    return { db, where };
  } catch (e) {
    db?.close();
    throw toAgentError(e, 'open and migrate the database', ctx);
  }
}

function createOwnerOnly(file: string): void {
  // `mode` applies to every folder this creates; an existing folder is left as its owner set it.
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (existsSync(file)) return;
  try {
    // 'wx': fails if another process created it in between, which is fine: then it is theirs.
    closeSync(openSync(file, 'wx', 0o600));
    // The umask can only remove bits; chmod makes it exactly rw for the owner.
    chmodSync(file, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
