import type { Database } from 'better-sqlite3';
import { AgentError } from '../../core/errors.ts';
import { entity, type Entity } from '../../core/model.ts';
import { streamOutcome } from '../../core/stream-outcome.ts';
import type { RunRecord, StoredSnapshot } from '../evidence-store.ts';
import { RUN_SELECT, toRunRecord } from './rows.ts';
import type { RunHeader, RunRow } from './rows.ts';
import { parseStored } from './validate.ts';
import { runEntityRows } from './entity-sets.ts';

/** Read-side queries about runs, shared by the store's methods. */
export class RunReader {
  readonly #db: Database;
  readonly #where: string;

  constructor(db: Database, where: string) {
    this.#db = db;
    this.#where = where;
  }

  getRun(runId: number): RunRecord | null {
    const row = this.#db.prepare<[number], RunRow>(`${RUN_SELECT} WHERE r.id = ?`).get(runId);
    return row ? toRunRecord(row) : null;
  }

  requireRun(runId: number): RunRecord {
    return this.getRun(runId) ?? this.#notFound(runId);
  }

  /** The run's own columns without counting its pages and entities: cheap enough for every write. */
  requireHeader(runId: number): RunHeader {
    return this.#db.prepare<[number], RunHeader>('SELECT * FROM runs WHERE id = ?').get(runId) ?? this.#notFound(runId);
  }

  #notFound(runId: number): never {
    throw new AgentError('not_found', `Run ${runId} does not exist in the evidence database ${this.#where}; \`evidentia runs\` lists the stored runs.`);
  }

  /**
   * Entities in (instance, stream, kind, key) order and outcomes in (instance, stream) order: the
   * orders the manifest digests use, so a snapshot reads the same however often it is loaded.
   * Call inside a read transaction so the parts come from one consistent moment.
   */
  loadSnapshot(runId: number): StoredSnapshot {
    const run = this.requireRun(runId);
    // Row by row: at 100k users the rows' JSON text alone is ~100 MB, so it is never all held at once.
    // Every entity of an instance has the same source, so they share one frozen object instead of
    // holding 200k copies of it.
    const entities: Entity[] = [];
    const sources = new Map<string, Entity['source']>();
    for (const r of runEntityRows(this.#db, runId)) {
      const e = parseStored(entity, r.json, `Run ${runId}: the stored ${r.kind} "${r.key}" of ${r.instance}/${r.stream}`);
      const id = `${e.source.org}\u0000${e.source.connector}\u0000${e.source.instance}`;
      let source = sources.get(id);
      if (source === undefined) sources.set(id, (source = Object.freeze({ ...e.source })));
      (e as { source: Entity['source'] }).source = source; // e is zod's fresh copy: no one else holds it
      entities.push(e);
    }
    const outcomes = this.#db
      .prepare<[number], { instance: string; stream: string; json: string }>('SELECT instance, stream, json FROM stream_outcomes WHERE run_id = ? ORDER BY instance, stream')
      .all(runId)
      .map((r) => parseStored(streamOutcome, r.json, `Run ${runId}: the stored outcome of ${r.instance}/${r.stream}`));
    const pageHashes: Record<string, string[]> = {};
    const pages = this.#db
      .prepare<[number], { instance: string; stream: string; blob_hash: string }>('SELECT instance, stream, blob_hash FROM pages WHERE run_id = ? ORDER BY instance, stream, seq')
      .all(runId);
    for (const page of pages) (pageHashes[`${page.instance}/${page.stream}`] ??= []).push(page.blob_hash);
    return { run, entities, outcomes, pageHashes };
  }
}
