import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { beginInput, rejection, sealTypicalRun } from '../store-test-fixtures.ts';
import { applyMigrations, loadMigrations, userVersion } from './migrations.ts';
import { createSqliteHarness } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

// 001 (evidence), 002 (entity sets), 003 (alert state and outbox, src/alert), 004 (inventories per evaluation), 005 (retention),
// 006 (prune log), 007 (run mode and stream checkpoints), 008 (results and inventories stored by content), run locks.
const TABLES = [
  'alert_attempts', 'alert_findings', 'alert_outbox', 'blobs', 'entities', 'entity_blobs', 'entity_set_members', 'entity_sets',
  'evaluation_results', 'evaluations', 'inventories', 'json_blobs', 'pages', 'pending_entities', 'prune_log', 'run_entity_sets', 'run_locks', 'runs',
  'stream_checkpoints', 'stream_outcomes',
];

describe('migrations', () => {
  let h: SqliteHarness;
  beforeEach(async () => {
    h = await createSqliteHarness();
  });
  afterEach(async () => h.cleanup());

  it('creates the schema in an empty file and records its version', async () => {
    await h.open();
    const raw = h.raw();
    expect(userVersion(raw)).toBe(loadMigrations().length);
    const tables = raw.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).pluck().all();
    expect(tables).toEqual(TABLES);
  });

  it('is idempotent on reopen and keeps the data', async () => {
    const first = await h.open();
    const run = await sealTypicalRun(first, 'acme', '2026-11-20T09:00:00Z');
    await first.close();
    const schemaBefore = h.raw().prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all();
    const second = await h.open();
    expect(await second.getRun(run.id)).toEqual(run);
    expect(h.raw().prepare('SELECT sql FROM sqlite_master ORDER BY name').pluck().all()).toEqual(schemaBefore);
    expect(userVersion(h.raw())).toBe(loadMigrations().length);
    expect((await second.verify()).ok).toBe(true);
  });

  it('refuses a database from a newer Evidentia and leaves it untouched', async () => {
    const store = await h.open();
    await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
    await store.close();
    const raw = h.raw();
    raw.pragma('user_version = 99');
    raw.close();
    const err = await rejection(h.open(), 'store_failed');
    expect(err.message).toMatch(/schema version 99/);
    expect(err.message).toContain(`knows versions up to ${loadMigrations().length}`);
    expect(err.message).toMatch(/Upgrade Evidentia/);
    expect(err.message).toContain(h.dbPath);
    expect(userVersion(h.raw())).toBe(99);
  });

  it('applies each migration in a transaction: a failing step leaves the previous version intact', () => {
    const db = new Database(':memory:');
    const steps = [
      { version: 1, name: 'one', sql: 'CREATE TABLE a (x);' },
      { version: 2, name: 'two', sql: 'CREATE TABLE b (x); CREATE TABLE broken (' },
    ];
    expect(() => applyMigrations(db, steps, ':memory:')).toThrow();
    expect(userVersion(db)).toBe(1);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all()).toEqual(['a']);
    db.close();
  });
});

describe('loadMigrations', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'evidentia-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const url = (): URL => pathToFileURL(`${dir}/`);

  it('reads files in numeric order', () => {
    writeFileSync(join(dir, '002-second.sql'), 'SELECT 2;');
    writeFileSync(join(dir, '001-first.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'README.md'), 'ignored');
    expect(loadMigrations(url()).map((m) => `${m.version}:${m.name}:${m.sql}`)).toEqual(['1:first:SELECT 1;', '2:second:SELECT 2;']);
  });

  it('refuses a gap in the numbering', () => {
    writeFileSync(join(dir, '001-first.sql'), '');
    writeFileSync(join(dir, '003-third.sql'), '');
    expect(() => loadMigrations(url())).toThrow(/expected 002, found 003-third.sql/);
  });

  it('refuses a badly named file', () => {
    writeFileSync(join(dir, '1-first.sql'), '');
    expect(() => loadMigrations(url())).toThrow(/not named NNN-name.sql/);
  });

  it('ships 001-initial.sql first', () => {
    expect(loadMigrations()[0]?.name).toBe('initial');
  });
});
