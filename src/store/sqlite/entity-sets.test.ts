import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../core/canonical-json.ts';
import type { Entity } from '../../core/model.ts';
import { accessKey, account, beginInput, KEYS, outcome, page, recordTypicalRun, rejection, sealTypicalRun, USERS } from '../store-test-fixtures.ts';
import { entitiesDigest } from './manifest.ts';
import { applyMigrations, loadMigrations, userVersion } from './migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { createSqliteHarness } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

/** Entities stored once per content and shared by the runs that saw the same set. */
describe('entity sets', () => {
  let h: SqliteHarness;
  beforeEach(async () => {
    h = await createSqliteHarness();
  });
  afterEach(async () => h.cleanup());

  const count = (table: string): number => h.raw().prepare<[], number>(`SELECT count(*) FROM ${table}`).pluck().get()!;
  const entityBytes = (): number => h.raw().prepare<[], number>('SELECT coalesce(sum(length(json)), 0) FROM entity_blobs').pluck().get()!;

  it('a second run with the same entities stores none of them again and loads the same snapshot', async () => {
    const store = await h.open();
    const first = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const bytes = entityBytes();
    const sets = count('entity_sets');
    const second = await sealTypicalRun(store, 'acme', '2026-11-21T09:00:00Z');
    expect(entityBytes()).toBe(bytes);
    expect(count('entity_sets')).toBe(sets);
    expect(count('entity_set_members')).toBe(3);
    expect(count('run_entity_sets')).toBe(4); // two streams per run
    expect(count('pending_entities')).toBe(0);
    const a = await store.loadSnapshot(first.id);
    const b = await store.loadSnapshot(second.id);
    expect(b.entities).toEqual(a.entities);
    expect(b.entities.map((e) => e.key)).toEqual(['AKIAEXAMPLE1', 'id-alice@acme.test', 'id-bob@acme.test']);
    expect(second.entityCount).toBe(3);
    expect((await store.verify()).ok).toBe(true);
  });

  it('a loaded snapshot holds one frozen source per connector instance, not one per entity', async () => {
    const store = await h.open();
    const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const [key, alice, bob] = (await store.loadSnapshot(run.id)).entities;
    expect(alice!.source).toBe(bob!.source);
    expect(key!.source).not.toBe(alice!.source);
    expect(Object.isFrozen(alice!.source)).toBe(true);
    expect(alice!.source).toEqual({ org: 'acme', connector: 'm365', instance: 'm365-main' });
  });

  it('one changed entity adds that entity and a new set; the unchanged ones are referenced', async () => {
    const store = await h.open();
    await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const run = await store.beginRun(beginInput('acme', '2026-11-21T09:00:00Z'));
    await store.recordEntities(run.id, USERS, [account('acme', USERS, 'alice@acme.test'), account('acme', USERS, 'bob@acme.test', { enabled: false })]);
    await store.recordEntities(run.id, KEYS, [accessKey('acme', KEYS, 'AKIAEXAMPLE1')]);
    const sealed = await store.finishRun(run.id, { finishedAt: '2026-11-21T09:00:30Z', status: 'complete' });
    expect(count('entity_blobs')).toBe(4); // alice, bob, key, and bob disabled
    expect(count('entity_sets')).toBe(3); // users twice, keys once
    const snap = await store.loadSnapshot(sealed.id);
    expect(snap.entities.find((e) => e.key === 'id-bob@acme.test')).toMatchObject({ enabled: false });
    expect((await store.verify()).ok).toBe(true);
  });

  it('a sealed run digests exactly as documented (manifest version 1 is unchanged)', async () => {
    const store = await h.open();
    const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const expected = [
      { connector: 'aws-iam', instance: 'aws-prod', stream: 'access_keys', entity: accessKey('acme', KEYS, 'AKIAEXAMPLE1') },
      { connector: 'm365', instance: 'm365-main', stream: 'users', entity: account('acme', USERS, 'alice@acme.test') },
      { connector: 'm365', instance: 'm365-main', stream: 'users', entity: account('acme', USERS, 'bob@acme.test') },
    ];
    expect(entitiesDigest(h.raw(), run.id)).toBe(sha256Hex(canonicalJson(expected)));
    // The set key: SHA-256 of the stream's entities as one canonical JSON array, in (kind, key) order.
    const usersSet = h.raw().prepare<[number], string>(`SELECT s.hash FROM run_entity_sets l JOIN entity_sets s ON s.id = l.set_id WHERE l.run_id = ? AND l.stream = 'users'`).pluck().get(run.id);
    expect(usersSet).toBe(sha256Hex(canonicalJson(expected.slice(1).map((e) => e.entity))));
  });

  it('entities arriving page by page in any order give the same set as one ordered call', async () => {
    const store = await h.open();
    const one = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    const run = await store.beginRun(beginInput('acme', '2026-11-21T09:00:00Z'));
    await store.recordEntities(run.id, KEYS, [accessKey('acme', KEYS, 'AKIAEXAMPLE1')]);
    await store.recordEntities(run.id, USERS, [account('acme', USERS, 'bob@acme.test')]);
    await store.recordEntities(run.id, USERS, [account('acme', USERS, 'alice@acme.test')]);
    const two = await store.finishRun(run.id, { finishedAt: '2026-11-21T09:00:30Z', status: 'complete' });
    const sets = (id: number) => h.raw().prepare<[number], number>('SELECT set_id FROM run_entity_sets WHERE run_id = ? ORDER BY instance, stream').pluck().all(id);
    expect(sets(two.id)).toEqual(sets(one.id));
  });

  it('an interrupted run keeps what it collected, and nothing can delete it afterwards', async () => {
    const store = await h.open();
    const run = await recordTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
    expect((await store.getRun(run.id))?.entityCount).toBe(3);
    const stopped = await store.finishRun(run.id, { finishedAt: '2026-11-20T09:00:10Z', status: 'interrupted' });
    expect(stopped.entityCount).toBe(3);
    expect((await store.loadSnapshot(run.id)).entities.map((e) => e.key)).toEqual(['AKIAEXAMPLE1', 'id-alice@acme.test', 'id-bob@acme.test']);
    expect(count('entity_sets')).toBe(0);
    expect(() => h.raw().prepare('DELETE FROM pending_entities').run()).toThrow(/append-only/);
    expect(() => h.raw().prepare('UPDATE pending_entities SET key = ?').run('x')).toThrow(/append-only/);
    expect(count('pending_entities')).toBe(3);
    expect((await store.verify()).ok).toBe(true);
  });

  it('still refuses one key twice within a run, across pages and streams of an instance', async () => {
    const store = await h.open();
    const run = await store.beginRun(beginInput('acme', '2026-11-20T09:00:00Z'));
    await store.recordEntities(run.id, USERS, [account('acme', USERS, 'alice@acme.test')]);
    const err = await rejection(store.recordEntities(run.id, { ...USERS, stream: 'guests' }, [account('acme', USERS, 'alice@acme.test')]), 'store_failed');
    expect(err.message).toMatch(/already has a account with key "id-alice@acme.test" from m365-main \(now again from m365-main\/guests\)/);
    expect((await store.getRun(run.id))?.entityCount).toBe(1);
  });
});

/**
 * A database written by schema 1 (entities in one row per run and entity), built here with the
 * 001 migration and plain SQL as Evidentia 0.1 wrote it, its manifest hashed by the documented rule.
 */
describe('a schema-1 database', () => {
  let h: SqliteHarness;
  beforeEach(async () => {
    h = await createSqliteHarness();
  });
  afterEach(async () => h.cleanup());

  function writeSchema1(path: string): { runId: number; entities: Entity[] } {
    const db = new Database(path);
    applyMigrations(db, loadMigrations().slice(0, 1), path);
    const org = 'acme';
    const entities: Entity[] = [accessKey(org, KEYS, 'AKIAEXAMPLE1'), account(org, USERS, 'alice@acme.test'), account(org, USERS, 'bob@acme.test')];
    const runId = Number(
      db.prepare(`INSERT INTO runs (org, status, trigger, started_at, tool_version, config_digest, pid, hostname, process_started_at)
                  VALUES (?, 'running', 'test', '2026-11-01T09:00:00Z', '0.1.0', ?, 1, 'old-host', 0)`).run(org, 'c'.repeat(64)).lastInsertRowid,
    );
    const p = page(USERS, 1, '{"value":[]}');
    const hash = sha256Hex(p.body);
    db.prepare('INSERT INTO blobs (hash, body, size) VALUES (?, ?, ?)').run(hash, Buffer.from(p.body), p.body.length);
    db.prepare(`INSERT INTO pages (run_id, connector, instance, stream, seq, method, url, status, content_type, received_at, blob_hash) VALUES (?, ?, ?, ?, 1, 'GET', ?, 200, ?, ?, ?)`)
      .run(runId, p.connector, p.instance, p.stream, p.url, p.contentType, p.receivedAt, hash);
    const refOf = (e: Entity) => (e.kind === 'account' ? USERS : KEYS);
    for (const e of entities) {
      const r = refOf(e);
      db.prepare('INSERT INTO entities (run_id, connector, instance, stream, kind, key, json) VALUES (?, ?, ?, ?, ?, ?, ?)').run(runId, r.connector, r.instance, r.stream, e.kind, e.key, canonicalJson(e));
    }
    const out = outcome(USERS);
    db.prepare('INSERT INTO stream_outcomes (run_id, connector, instance, stream, json) VALUES (?, ?, ?, ?, ?)').run(runId, out.connector, out.instance, out.stream, canonicalJson(out));
    const manifest = {
      version: 1, runId, org, trigger: 'test', startedAt: '2026-11-01T09:00:00Z', finishedAt: '2026-11-01T09:00:30Z', status: 'complete',
      toolVersion: '0.1.0', configDigest: 'c'.repeat(64),
      pages: [{ connector: p.connector, instance: p.instance, stream: p.stream, seq: 1, method: 'GET', url: p.url, status: 200, contentType: p.contentType, receivedAt: p.receivedAt, hash }],
      entitiesDigest: sha256Hex(canonicalJson(entities.map((e) => ({ connector: refOf(e).connector, instance: refOf(e).instance, stream: refOf(e).stream, entity: e })))),
      outcomesDigest: sha256Hex(canonicalJson([out])),
      previousManifestHash: null,
    };
    const json = canonicalJson(manifest);
    db.prepare(`UPDATE runs SET status = 'complete', finished_at = ?, seal_seq = 1, manifest_json = ?, manifest_hash = ? WHERE id = ?`).run(manifest.finishedAt, json, sha256Hex(json), runId);
    expect(userVersion(db)).toBe(1);
    db.close();
    return { runId, entities };
  }

  it('opens, migrates, verifies and loads its entities; a new run chains after it', async () => {
    const path = join(h.dir, 'schema-1.db');
    const old = writeSchema1(path);
    const store = await openSqliteStore(path);
    try {
      const check = new Database(path, { readonly: true });
      expect(userVersion(check)).toBe(loadMigrations().length);
      check.close();
      const report = await store.verify();
      expect(report.ok, report.message).toBe(true);
      expect((await store.loadSnapshot(old.runId)).entities).toEqual(old.entities);
      expect((await store.getRun(old.runId))?.entityCount).toBe(3);
      const next = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z');
      expect(next.previousManifestHash).toBe((await store.getRun(old.runId))?.manifestHash);
      expect((await store.loadSnapshot(next.id)).entities).toEqual(old.entities);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('a changed schema-1 entity is still reported against its run', async () => {
    const path = join(h.dir, 'schema-1.db');
    const old = writeSchema1(path);
    const store = await openSqliteStore(path);
    try {
      const db = new Database(path);
      db.exec('DROP TRIGGER append_only_entities_update');
      db.prepare(`UPDATE entities SET json = replace(json, '"enabled":true', '"enabled":false') WHERE key = 'id-bob@acme.test'`).run();
      db.close();
      const report = await store.verify();
      expect(report.problems.map((p) => [p.runId, p.kind])).toEqual([[old.runId, 'entities']]);
      expect(report.message).toMatch(/its entities no longer match the digest in its manifest/);
    } finally {
      await store.close();
    }
  });
});
