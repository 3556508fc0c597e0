import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { canonicalJson } from '../../core/canonical-json.ts';
import { AgentError } from '../../core/errors.ts';
import { entity, type Entity } from '../../core/model.ts';
import type { CheckpointInput, StoredCheckpoint, StreamRef } from '../evidence-store.ts';
import { runEntityRows } from './entity-sets.ts';
import { SEALED_SQL } from './rows.ts';
import { parseStored } from './validate.ts';

/** Stream checkpoints for incremental collection (migration 007-connector-state.sql). */

const checkpointInput = z.object({
  value: z.unknown().refine((v) => v !== undefined, 'a checkpoint needs a value'),
  recordedAt: z.string().datetime({ offset: true }),
  baseRunId: z.number().int().positive().nullable(),
});

export function recordCheckpoint(db: Database, runId: number, ref: StreamRef, input: CheckpointInput): void {
  const parsed = checkpointInput.safeParse(input);
  if (!parsed.success) {
    throw new AgentError('store_failed', `The checkpoint of ${ref.instance}/${ref.stream} for run ${runId} is not valid: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  }
  const { baseRunId, recordedAt } = parsed.data;
  if (baseRunId !== null) {
    const base = db.prepare<[number], { seal_seq: number | null }>('SELECT seal_seq FROM runs WHERE id = ?').get(baseRunId);
    if (!base || base.seal_seq === null) {
      throw new AgentError('store_failed', `Run ${runId} cannot build ${ref.instance}/${ref.stream} on run ${baseRunId}: that run is not sealed evidence.`);
    }
  }
  db.prepare('INSERT INTO stream_checkpoints (run_id, connector, instance, stream, json, recorded_at, base_run_id) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(runId, ref.connector, ref.instance, ref.stream, canonicalJson(parsed.data.value), recordedAt, baseRunId);
}

export function latestCheckpoint(db: Database, org: string, instance: string, stream: string): StoredCheckpoint | null {
  const row = db
    .prepare<[string, string, string], { run_id: number; json: string; recorded_at: string; base_run_id: number | null }>(
      `SELECT c.run_id, c.json, c.recorded_at, c.base_run_id FROM stream_checkpoints c JOIN runs r ON r.id = c.run_id
       WHERE r.org = ? AND c.instance = ? AND c.stream = ? AND r.seal_seq IS NOT NULL AND r.status IN ${SEALED_SQL}
       ORDER BY r.seal_seq DESC LIMIT 1`,
    )
    .get(org, instance, stream);
  if (!row) return null;
  return { runId: row.run_id, recordedAt: row.recorded_at, baseRunId: row.base_run_id, value: JSON.parse(row.json) as unknown };
}

export function loadStreamEntities(db: Database, runId: number, instance: string, stream: string): Entity[] {
  const out: Entity[] = [];
  for (const r of runEntityRows(db, runId)) {
    if (r.instance !== instance || r.stream !== stream) continue;
    out.push(parseStored(entity, r.json, `Run ${runId}: the stored ${r.kind} "${r.key}" of ${r.instance}/${r.stream}`));
  }
  return out;
}

/** What the manifest says about a run's derived streams (empty for a full run). */
export function derivedStreams(db: Database, runId: number): Array<{ instance: string; stream: string; baseRunId: number; baseManifestHash: string | null }> {
  return db
    .prepare<[number], { instance: string; stream: string; baseRunId: number; baseManifestHash: string | null }>(
      `SELECT c.instance, c.stream, c.base_run_id AS baseRunId, r.manifest_hash AS baseManifestHash
       FROM stream_checkpoints c JOIN runs r ON r.id = c.base_run_id
       WHERE c.run_id = ? AND c.base_run_id IS NOT NULL ORDER BY c.instance, c.stream`,
    )
    .all(runId);
}
