import type { Entity } from '../core/model.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { RuleResult } from '../core/rule.ts';
import type { InventoryKind, InventoryParts, RunInventories } from '../inventory/inventory-schema.ts';
import type { AcquireRunLock, AcquireRunLockResult, RunLease, RunLockHolder } from './run-lock.ts';

/**
 * The evidence store. Append-only: a run's pages, entities and outcomes are written while it runs
 * and sealed by its manifest when it finishes; nothing is updated afterwards except an unfinished
 * run's status. SQLite (`sqlite/`) is the embedded default; the interface is async so a PostgreSQL
 * store can take over for consultants running hundreds of organisations.
 *
 * Sealing: `finishRun` as complete, partial or failed writes the manifest, whose hash the org's next
 * sealed run carries as `previousManifestHash`. Chains are per organisation (in sealing order), so
 * one client's chain can be handed to its auditor without any other client's data. A run that ends
 * `interrupted` (via `finishRun` or `markAbandonedRuns`) keeps its rows for diagnosis but is never
 * sealed: no manifest, not in the chain, never evidence (not evaluable, skipped by `latestEvaluatedRun`).
 */
export interface EvidenceStore {
  /** Marks runs left `running` by a process that no longer exists as `interrupted`; returns their ids. */
  markAbandonedRuns(): Promise<number[]>;
  beginRun(input: BeginRun): Promise<RunRecord>;
  /** Stores the body once per SHA-256 (deduplicated across runs) and links it to the run; returns the hash. */
  recordPage(runId: number, page: PageInput): Promise<string>;
  recordEntities(runId: number, ref: StreamRef, entities: readonly Entity[]): Promise<void>;
  recordStreamOutcome(runId: number, outcome: StreamOutcome): Promise<void>;
  /** Seals the run: writes its manifest (hashes used, previous manifest hash) and final status. */
  finishRun(runId: number, input: FinishRun): Promise<RunRecord>;
  listRuns(filter?: { org?: string; limit?: number }): Promise<RunRecord[]>;
  getRun(runId: number): Promise<RunRecord | null>;
  /** Everything rules need from one run; throws `not_found` for an unknown run. */
  loadSnapshot(runId: number): Promise<StoredSnapshot>;
  /** Stores one evaluation of a run (a run may be evaluated many times; each is kept). */
  recordEvaluation(runId: number, input: EvaluationInput): Promise<EvaluationRecord>;
  latestEvaluation(runId: number): Promise<EvaluationRecord | null>;
  /** Every evaluation of the run, oldest first (the export shows a run judged again later). */
  listEvaluations(runId: number): Promise<EvaluationRecord[]>;
  /**
   * The inventories stored with an evaluation (`EvaluationInput.inventories`); null for an
   * evaluation stored without them (before inventories existed). Throws `not_found` for an unknown evaluation.
   */
  loadInventories(evaluationId: number): Promise<RunInventories | null>;
  /** Only the named kinds of an evaluation's inventories, checked as `loadInventories` checks them (for metrics: leavers and apps). */
  loadInventoryKinds<K extends InventoryKind>(evaluationId: number, kinds: readonly K[]): Promise<InventoryParts<K> | null>;
  /** The newest sealed run per org that has an evaluation; for `results`. */
  latestEvaluatedRun(org?: string): Promise<RunRecord | null>;
  /**
   * The sealed run's manifest exactly as hashed (canonical JSON, so `sha256(text) === manifestHash`);
   * null while the run is unsealed or interrupted. Throws `not_found` for an unknown run. For export
   * and auditors: the chain is only checkable outside Evidentia if the manifests can be handed over.
   */
  getManifest(runId: number): Promise<string | null>;
  /**
   * An evaluation exactly as its results hash covers it (canonical JSON of run manifest hash, time,
   * parameters digest and the results as stored, so `sha256(text) === resultsHash`). Not rebuilt
   * from the parsed results: those gain the defaults of fields added since the evaluation was
   * written, which would no longer match its hash. Throws `not_found` for an unknown evaluation.
   */
  getEvaluationText(evaluationId: number): Promise<string>;
  /** The stored bytes of a page body by its SHA-256 (as listed in a manifest); null if not stored or pruned. */
  readPageBody(hash: string): Promise<Uint8Array | null>;
  /**
   * Incremental collection: a stream's checkpoint (e.g. a Graph delta link), written once the stream
   * has read everything. `baseRunId` names the sealed run whose set this stream's entities were
   * derived from (null for a full read); the run's manifest lists it.
   */
  recordCheckpoint(runId: number, ref: StreamRef, input: CheckpointInput): Promise<void>;
  /** The newest checkpoint of a *sealed* run of the org for this instance and stream (interrupted runs never count). */
  latestCheckpoint(org: string, instance: string, stream: string): Promise<StoredCheckpoint | null>;
  /** One stream's entities of a run, in (kind, key) order; throws `not_found` for an unknown run. */
  loadStreamEntities(runId: number, instance: string, stream: string): Promise<Entity[]>;
  /** Recomputes every hash and the chain per org; names the first run whose evidence changed. */
  verify(): Promise<VerifyReport>;
  /**
   * Retention: drops the bytes of page bodies used only by runs started before `olderThan` (a body
   * also used by a newer or running run is kept). Hashes, manifests, entities and results stay, so
   * `verify` still passes (and counts pruned pages); `readPageBody` then returns null.
   */
  prune(opts: { olderThan: Date }): Promise<PruneResult>;
  /**
   * Run lock (src/store/run-lock.ts): one collection per organisation at a time across processes.
   * Atomic: of two processes asking at once, one gets it. A held lock that is stale (`staleReason`)
   * is taken over and the result says from whom. Not evidence: never in manifests, exports or `verify`.
   */
  acquireRunLock(input: AcquireRunLock): Promise<AcquireRunLockResult>;
  /** Extends the lease by `leaseMs` from now; null when the lock is no longer the holder's (it was taken over). */
  renewRunLock(lease: RunLease, leaseMs: number): Promise<RunLease | null>;
  /** Frees the holder's lock; does nothing when another process has taken it over meanwhile. */
  releaseRunLock(lease: RunLease): Promise<void>;
  /** Who holds the organisation's run lock now (null: nobody); to say who took a lost lock over. */
  runLockHolder(org: string): Promise<RunLockHolder | null>;
  close(): Promise<void>;
}

export interface CheckpointInput {
  /** JSON-serialisable; the connector's own shape. */
  value: unknown;
  recordedAt: string;
  baseRunId: number | null;
}

export interface StoredCheckpoint {
  runId: number;
  recordedAt: string;
  value: unknown;
  baseRunId: number | null;
}

/** `full`: every stream read in full; `incremental`: streams that can resume from a checkpoint do. */
export type RunMode = 'full' | 'incremental';

export interface PruneResult {
  blobsPruned: number;
  /** Sum of the pruned bodies' sizes in bytes (SQLite reuses the space; the file shrinks only on VACUUM). */
  bytesFreed: number;
}

export type RunStatus = 'running' | 'complete' | 'partial' | 'failed' | 'interrupted';

export interface BeginRun {
  org: string;
  startedAt: string;
  toolVersion: string;
  /** SHA-256 of the effective config (without secrets), so a changed threshold is visible in evidence. */
  configDigest: string;
  trigger: 'manual' | 'schedule' | 'demo' | 'test';
  /** @default 'full' */
  mode?: RunMode;
}

export interface StreamRef {
  connector: string;
  instance: string;
  stream: string;
}

export interface PageInput extends StreamRef {
  /** Position of the page in its stream (unique per run and stream); `verify` names pages by it ("page 2 of …"), so count from 1. */
  seq: number;
  method: string;
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  receivedAt: string;
}

export interface FinishRun {
  finishedAt: string;
  /** `complete`: every stream complete; `partial`: some stream not; `failed`: no stream usable. */
  status: Exclude<RunStatus, 'running'>;
}

export interface RunRecord {
  id: number;
  org: string;
  status: RunStatus;
  trigger: BeginRun['trigger'];
  mode: RunMode;
  startedAt: string;
  finishedAt: string | null;
  toolVersion: string;
  configDigest: string;
  /** SHA-256 of the canonical manifest; null until the run is sealed. */
  manifestHash: string | null;
  previousManifestHash: string | null;
  pageCount: number;
  entityCount: number;
}

export interface StoredSnapshot {
  run: RunRecord;
  entities: Entity[];
  outcomes: StreamOutcome[];
  /** Page hashes per `${instance}/${stream}`, in page order: what each result's evidence points at. */
  pageHashes: Record<string, string[]>;
}

export interface EvaluationInput {
  evaluatedAt: string;
  /** SHA-256 of the rule parameters used, so a changed threshold shows in the evidence. */
  paramsDigest: string;
  results: RuleResult[];
  /** The run's inventories, stored in the same transaction as the evaluation (all kinds or none). */
  inventories?: RunInventories;
}

export interface EvaluationRecord {
  id: number;
  runId: number;
  evaluatedAt: string;
  paramsDigest: string;
  /** SHA-256 over the canonical results and the run's manifest hash. */
  resultsHash: string;
  results: RuleResult[];
}

export interface VerifyReport {
  ok: boolean;
  /**
   * One sentence for a person: when not ok, it names the first (oldest) run whose evidence changed,
   * e.g. "run 3 (org acme, 2026-11-20T09:00:00Z): page 2 of m365-main/users no longer matches its SHA-256".
   */
  message: string;
  runsChecked: number;
  /** Page rows whose stored body was re-hashed. */
  pagesChecked: number;
  /** Page rows whose body was pruned by retention (hash kept, body gone): listed, not re-hashable. */
  pagesPruned: number;
  evaluationsChecked: number;
  /** The first problems found (at most 100), oldest run first; empty when ok. */
  problems: VerifyProblem[];
  /** How many problems were found in all, including those left out of `problems`. */
  problemCount: number;
}

export interface VerifyProblem {
  runId: number;
  org: string;
  kind: 'page_hash' | 'page_missing' | 'entities' | 'outcomes' | 'manifest' | 'chain' | 'results' | 'inventories';
  /** A whole sentence naming the run, its org and start time, and what no longer matches. */
  detail: string;
}
