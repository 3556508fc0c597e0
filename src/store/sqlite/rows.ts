import type { RunRecord, RunStatus } from '../evidence-store.ts';
import { ENTITY_COUNT_SQL } from './entity-sets.ts';

/** A `runs` row as stored. */
export interface RunHeader {
  id: number;
  org: string;
  status: RunStatus;
  trigger: RunRecord['trigger'];
  mode: RunRecord['mode'];
  started_at: string;
  finished_at: string | null;
  tool_version: string;
  config_digest: string;
  pid: number;
  hostname: string;
  process_started_at: number;
  /** NULL where unknown (non-Linux, runs begun before it was recorded). */
  pid_namespace: string | null;
  boot_id: string | null;
  seal_seq: number | null;
  manifest_json: string | null;
  manifest_hash: string | null;
  previous_manifest_hash: string | null;
}

/** A `runs` row with its live page and entity counts (see RUN_SELECT): costs a count, so only for results. */
export interface RunRow extends RunHeader {
  page_count: number;
  entity_count: number;
}

/** Counts come from the rows themselves, so they are right for running runs too. */
export const RUN_SELECT = `
  SELECT r.*,
    (SELECT count(*) FROM pages p WHERE p.run_id = r.id) AS page_count,
    ${ENTITY_COUNT_SQL} AS entity_count
  FROM runs r`;

/** Statuses of sealed runs: they have a manifest, are in their org's chain and count as evidence. */
export const SEALED_STATUSES: readonly RunStatus[] = ['complete', 'partial', 'failed'];
export const SEALED_SQL = `('complete', 'partial', 'failed')`;

export function isSealedStatus(status: RunStatus | string): boolean {
  return (SEALED_STATUSES as readonly string[]).includes(status);
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    org: row.org,
    status: row.status,
    trigger: row.trigger,
    mode: row.mode,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    toolVersion: row.tool_version,
    configDigest: row.config_digest,
    manifestHash: row.manifest_hash,
    previousManifestHash: row.previous_manifest_hash,
    pageCount: row.page_count,
    entityCount: row.entity_count,
  };
}

/** How runs are named in messages: "run 3 (org acme, 2026-11-20T09:00:00Z)". */
export function describeRun(run: { id: number; org: string; started_at: string }): string {
  return `run ${run.id} (org ${run.org}, ${run.started_at})`;
}
