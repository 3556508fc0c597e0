import { readdirSync, readFileSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { AgentError } from '../../core/errors.ts';

/** One numbered schema step, read from `migrations/NNN-name.sql`. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE_NAME = /^(\d{3})-([a-z0-9][a-z0-9-]*)\.sql$/;

/** Resolved against this module, so it works from the source tree and from an installed package. */
export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/**
 * Reads the migration files in version order. Numbering must run 001, 002, … without gaps or
 * duplicates: a gap would mean a schema step silently missing from some databases.
 */
export function loadMigrations(dir: URL = MIGRATIONS_DIR): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new AgentError('internal', `Migration file ${file} is not named NNN-name.sql (e.g. 002-add-retention.sql).`);
    }
    const [, number, name] = match as unknown as [string, string, string];
    migrations.push({ version: Number(number), name, sql: readFileSync(new URL(file, dir), 'utf8') });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new AgentError('internal', `Migrations must be numbered 001, 002, … without gaps or duplicates; expected ${pad(i + 1)}, found ${pad(m.version)}-${m.name}.sql.`);
    }
  });
  return migrations;
}

/**
 * Brings the database to the newest known schema. The version lives in `PRAGMA user_version`
 * (in the file header, so it changes in the same transaction as the schema). Each migration runs
 * in its own IMMEDIATE transaction that re-reads the version first, so two processes opening a new
 * database at the same moment apply every step exactly once.
 *
 * A database written by a newer Evidentia is refused before anything is touched: an old binary
 * could otherwise write rows the new schema's invariants do not expect.
 */
export function applyMigrations(db: Database, migrations: readonly Migration[], where: string): { from: number; to: number } {
  const known = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const from = userVersion(db);
  refuseNewer(from, known, where);
  for (const migration of migrations) {
    db.transaction(() => {
      const current = userVersion(db);
      refuseNewer(current, known, where);
      if (current >= migration.version) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
  return { from, to: userVersion(db) };
}

export function userVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(version: number, known: number, where: string): void {
  if (version <= known) return;
  throw new AgentError(
    'store_failed',
    `The evidence database ${where} has schema version ${version}, but this Evidentia only knows versions up to ${known}: ` +
      'it was written by a newer Evidentia. Upgrade Evidentia to use it; the database was not changed.',
  );
}

function pad(n: number): string {
  return String(n).padStart(3, '0');
}
