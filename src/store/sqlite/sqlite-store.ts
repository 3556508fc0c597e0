import { existsSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Database } from 'better-sqlite3';
import { canonicalJson, sha256Hex } from '../../core/canonical-json.ts';
import { AgentError } from '../../core/errors.ts';
import type { Entity } from '../../core/model.ts';
import type { StreamOutcome } from '../../core/stream-outcome.ts';
import type { InventoryKind, InventoryParts, RunInventories } from '../../inventory/inventory-schema.ts';
import type {
  BeginRun, CheckpointInput, EvaluationInput, EvaluationRecord, EvidenceStore, FinishRun, PageInput, PruneResult, RunRecord, StoredSnapshot, StoredCheckpoint, StreamRef, VerifyReport,
} from '../evidence-store.ts';
import { pruneBlobs, restorePrunedBlob } from './retention.ts';
import { isAbandoned, probeProcess } from './abandoned-runs.ts';
import type { ProcessIdentity } from './abandoned-runs.ts';
import { readBootId, readPidNamespace, readProcessStartedAt } from '../process-identity.ts';
import { beginRunInput, finishRunInput, listFilter, pageInput, parseInput, streamRef } from './inputs.ts';
import { buildManifest } from './manifest.ts';
import { MEMORY, openDatabase } from './open-database.ts';
import { RunReader } from './run-reader.ts';
import { latestEvaluatedRun, latestEvaluation, recordEvaluation } from './evaluations.ts';
import { loadInventories, loadInventoryKinds } from './inventories.ts';
import { evaluationText, listEvaluations } from './evaluation-history.ts';
import { describeRun, RUN_SELECT, toRunRecord } from './rows.ts';
import type { RunHeader, RunRow } from './rows.ts';
import { isUniqueViolation, toAgentError } from './sqlite-errors.ts';
import type { ErrorContext } from './sqlite-errors.ts';
import { validateEntities, validateOutcome } from './validate.ts';
import { verifyEvidence } from './verify.ts';
import { insertPendingEntities, sealEntitySets } from './entity-sets.ts';
import { latestCheckpoint, loadStreamEntities, recordCheckpoint } from './checkpoints.ts';
import { acquireRunLock, readRunLock, releaseRunLock, renewRunLock } from './run-locks.ts';
import type { AcquireRunLock, AcquireRunLockResult, RunLease, RunLockHolder } from '../run-lock.ts';

export interface SqliteStoreOptions {
  /** Refuse to create a new database file (read-only commands). @default false */
  mustExist?: boolean;
  /** Clock for times the store itself writes (an abandoned run's finish time). @default () => new Date() */
  now?: () => Date;
  /** Recorded with each run this store begins. @default process.pid */
  pid?: number;
  /** Recorded with each run; runs from another host cannot be probed. @default os.hostname() */
  hostname?: string;
  /** Tells this process from an earlier one that had the same pid. @default performance.timeOrigin, rounded */
  processStartedAt?: number;
  /** Recorded with each run and lock; pids are probed only within one PID namespace. @default readlink /proc/self/ns/pid, null off Linux */
  pidNamespace?: string | null;
  /** Recorded with each run and lock; pids of another boot are never probed. @default /proc/sys/kernel/random/boot_id, null off Linux */
  bootId?: string | null;
  /** Whether a pid on this host is alive. @default signal-0 probe (`process.kill(pid, 0)`) */
  isProcessAlive?: (pid: number) => boolean;
  /**
   * When a pid in our PID namespace started (ms since epoch), null when unknown; tells a reused pid
   * from the process that recorded it. @default from /proc, but () => null when `isProcessAlive` is injected
   */
  processStartedAtOf?: (pid: number) => number | null;
  /** How long to wait for another process's write lock before `store_locked`. @default 5000 */
  busyTimeoutMs?: number;
  /** Age after which a `running` run begun on another host counts as abandoned. @default 86_400_000 (24 h) */
  foreignHostStaleMs?: number;
}

/**
 * Opens (creating and migrating when needed) the SQLite evidence store at `path` (`:memory:` for a
 * throw-away store). The work is synchronous (better-sqlite3); the interface is async so a
 * PostgreSQL store can replace it. Throws `store_failed` for a database from a newer Evidentia.
 */
export async function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<EvidenceStore> {
  const busyTimeoutMs = opts.busyTimeoutMs ?? 5000;
  // Commands that only read (verify, results, runs) must not conjure an empty store out of a
  // mistyped path and then report "OK: 0 runs".
  if (opts.mustExist && path !== MEMORY && !existsSync(resolve(path))) {
    throw new AgentError('store_failed', `no evidence store at ${resolve(path)}; check store.path in the config, or run \`evidentia collect\` to create it`);
  }
  const { db, where } = openDatabase(path, busyTimeoutMs);
  return new SqliteEvidenceStore(db, { where, busyTimeoutMs }, opts);
}

class SqliteEvidenceStore implements EvidenceStore {
  readonly #db: Database;
  readonly #ctx: ErrorContext;
  readonly #reader: RunReader;
  readonly #self: ProcessIdentity;
  readonly #now: () => Date;
  readonly #isProcessAlive: (pid: number) => boolean;
  readonly #processStartedAtOf: (pid: number) => number | null;
  readonly #foreignHostStaleMs: number;

  constructor(db: Database, ctx: ErrorContext, opts: SqliteStoreOptions) {
    this.#db = db;
    this.#ctx = ctx;
    this.#reader = new RunReader(db, ctx.where);
    this.#self = {
      pid: opts.pid ?? process.pid,
      hostname: opts.hostname ?? osHostname(),
      processStartedAt: opts.processStartedAt ?? Math.round(performance.timeOrigin),
      pidNamespace: opts.pidNamespace !== undefined ? opts.pidNamespace : readPidNamespace(),
      bootId: opts.bootId !== undefined ? opts.bootId : readBootId(),
    };
    this.#now = opts.now ?? (() => new Date());
    this.#isProcessAlive = opts.isProcessAlive ?? probeProcess;
    // An injected probe stands for made-up pids: reading the real /proc for them would mislead.
    this.#processStartedAtOf = opts.processStartedAtOf ?? (opts.isProcessAlive ? () => null : readProcessStartedAt);
    this.#foreignHostStaleMs = opts.foreignHostStaleMs ?? 86_400_000;
  }

  async markAbandonedRuns(): Promise<number[]> {
    return this.#guard('mark abandoned runs', () =>
      this.#db.transaction(() => {
        const now = this.#now();
        const policy = { self: this.#self, isProcessAlive: this.#isProcessAlive, processStartedAtOf: this.#processStartedAtOf, now, foreignHostStaleMs: this.#foreignHostStaleMs };
        const running = this.#db.prepare<[], RunHeader>(`SELECT * FROM runs WHERE status = 'running' ORDER BY id`).all();
        const abandoned = running.filter((r) =>
          isAbandoned(
            { pid: r.pid, hostname: r.hostname, processStartedAt: r.process_started_at, pidNamespace: r.pid_namespace, bootId: r.boot_id, startedAt: r.started_at },
            policy,
          ),
        );
        const mark = this.#db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ? AND status = 'running'`);
        for (const run of abandoned) mark.run(now.toISOString(), run.id);
        return abandoned.map((r) => r.id);
      }).immediate(),
    );
  }

  async beginRun(input: BeginRun): Promise<RunRecord> {
    const run = parseInput(beginRunInput, input, 'run to begin');
    return this.#guard('begin a run', () => {
      const { lastInsertRowid } = this.#db
        .prepare(
          `INSERT INTO runs (org, status, trigger, mode, started_at, tool_version, config_digest, pid, hostname, process_started_at, pid_namespace, boot_id)
           VALUES (?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.org, run.trigger, run.mode, run.startedAt, run.toolVersion, run.configDigest,
          this.#self.pid, this.#self.hostname, this.#self.processStartedAt, this.#self.pidNamespace, this.#self.bootId,
        );
      return this.#reader.requireRun(Number(lastInsertRowid));
    });
  }

  async recordPage(runId: number, page: PageInput): Promise<string> {
    const p = parseInput(pageInput, page, `page for run ${runId}`);
    // The hash is of the exact bytes stored, so anyone can recompute it from the body alone.
    const bytes = Buffer.from(p.body, 'utf8');
    const hash = sha256Hex(bytes);
    return this.#guard('record a page', () =>
      this.#db.transaction(() => {
        this.#requireRunning(runId, `record page ${p.seq} of ${p.instance}/${p.stream}`);
        this.#db.prepare('INSERT INTO blobs (hash, body, size) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING').run(hash, bytes, bytes.length);
        restorePrunedBlob(this.#db, hash, bytes);
        try {
          this.#db
            .prepare(
              `INSERT INTO pages (run_id, connector, instance, stream, seq, method, url, status, content_type, received_at, blob_hash)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(runId, p.connector, p.instance, p.stream, p.seq, p.method, p.url, p.status, p.contentType, p.receivedAt, hash);
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          throw new AgentError('store_failed', `Run ${runId} already has page ${p.seq} of ${p.instance}/${p.stream}; each page number is recorded once.`, { cause: e });
        }
        return hash;
      }).immediate(),
    );
  }

  async recordEntities(runId: number, ref: StreamRef, entities: readonly Entity[]): Promise<void> {
    const r = parseInput(streamRef, ref, `stream of run ${runId}`);
    return this.#guard('record entities', () => {
      const org = this.#reader.requireHeader(runId).org;
      const rows = validateEntities(entities, r, org, runId);
      this.#db.transaction(() => {
        this.#requireRunning(runId, `record entities of ${r.instance}/${r.stream}`);
        insertPendingEntities(this.#db, runId, r, rows, (row, e) => {
          if (!isUniqueViolation(e)) throw e;
          throw new AgentError(
            'store_failed',
            `Run ${runId} already has a ${row.kind} with key "${row.key}" from ${r.instance} (now again from ${r.instance}/${r.stream}); ` +
              'keys must be unique per connector instance and kind, so the connector must not yield the same record twice.',
            { cause: e },
          );
        });
      }).immediate();
    });
  }

  async recordStreamOutcome(runId: number, outcome: StreamOutcome): Promise<void> {
    const o = validateOutcome(outcome, runId);
    return this.#guard('record a stream outcome', () =>
      this.#db.transaction(() => {
        this.#requireRunning(runId, `record the outcome of ${o.value.instance}/${o.value.stream}`);
        try {
          this.#db
            .prepare('INSERT INTO stream_outcomes (run_id, connector, instance, stream, json) VALUES (?, ?, ?, ?, ?)')
            .run(runId, o.value.connector, o.value.instance, o.value.stream, o.json);
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          throw new AgentError('store_failed', `Run ${runId} already has an outcome for ${o.value.instance}/${o.value.stream}; each stream has one.`, { cause: e });
        }
      }).immediate(),
    );
  }

  async finishRun(runId: number, input: FinishRun): Promise<RunRecord> {
    const f = parseInput(finishRunInput, input, `finish of run ${runId}`);
    return this.#guard('finish a run', () =>
      this.#db.transaction(() => {
        const run = this.#requireRunning(runId, `finish it as ${f.status}`);
        if (f.status === 'interrupted') {
          // Not sealed: an interrupted run is kept for diagnosis but is never evidence (no manifest, not chained).
          this.#db.prepare(`UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ?`).run(f.finishedAt, runId);
          return this.#reader.requireRun(runId);
        }
        // Inside the IMMEDIATE transaction, so two processes sealing at once cannot both chain to the same previous run.
        const previous = this.#db
          .prepare<[string], { manifest_hash: string }>('SELECT manifest_hash FROM runs WHERE org = ? AND seal_seq IS NOT NULL ORDER BY seal_seq DESC LIMIT 1')
          .get(run.org);
        const sealSeq = (this.#db.prepare<[], { n: number | null }>('SELECT max(seal_seq) AS n FROM runs').get()?.n ?? 0) + 1;
        sealEntitySets(this.#db, runId);
        const manifest = buildManifest(this.#db, { ...run, status: f.status, finished_at: f.finishedAt, previous_manifest_hash: previous?.manifest_hash ?? null });
        const json = canonicalJson(manifest);
        this.#db
          .prepare('UPDATE runs SET status = ?, finished_at = ?, seal_seq = ?, manifest_json = ?, manifest_hash = ?, previous_manifest_hash = ? WHERE id = ?')
          .run(f.status, f.finishedAt, sealSeq, json, sha256Hex(json), manifest.previousManifestHash, runId);
        return this.#reader.requireRun(runId);
      }).immediate(),
    );
  }

  async listRuns(filter: { org?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const f = parseInput(listFilter, filter, 'run filter');
    return this.#guard('list runs', () => {
      const params: Array<string | number> = [];
      let sql = RUN_SELECT;
      if (f.org !== undefined) {
        sql += ' WHERE r.org = ?';
        params.push(f.org);
      }
      sql += ' ORDER BY r.id DESC';
      if (f.limit !== undefined) {
        sql += ' LIMIT ?';
        params.push(f.limit);
      }
      return this.#db.prepare<Array<string | number>, RunRow>(sql).all(...params).map(toRunRecord);
    });
  }

  async getRun(runId: number): Promise<RunRecord | null> {
    return this.#guard('read a run', () => this.#reader.getRun(runId));
  }

  async loadSnapshot(runId: number): Promise<StoredSnapshot> {
    return this.#guard('load a run', () => this.#db.transaction(() => this.#reader.loadSnapshot(runId)).deferred());
  }

  async recordEvaluation(runId: number, input: EvaluationInput): Promise<EvaluationRecord> {
    return this.#guard('record an evaluation', () => recordEvaluation(this.#db, this.#reader, runId, input));
  }

  async listEvaluations(runId: number): Promise<EvaluationRecord[]> {
    return this.#guard('read evaluations', () => listEvaluations(this.#db, runId));
  }

  async latestEvaluation(runId: number): Promise<EvaluationRecord | null> {
    return this.#guard('read an evaluation', () => latestEvaluation(this.#db, runId));
  }

  async loadInventories(evaluationId: number): Promise<RunInventories | null> {
    return this.#guard('read inventories', () => this.#db.transaction(() => loadInventories(this.#db, evaluationId)).deferred());
  }

  async loadInventoryKinds<K extends InventoryKind>(evaluationId: number, kinds: readonly K[]): Promise<InventoryParts<K> | null> {
    return this.#guard('read inventories', () => this.#db.transaction(() => loadInventoryKinds(this.#db, evaluationId, kinds)).deferred());
  }

  async latestEvaluatedRun(org?: string): Promise<RunRecord | null> {
    return this.#guard('find the latest evaluated run', () => latestEvaluatedRun(this.#db, org));
  }

  async getManifest(runId: number): Promise<string | null> {
    return this.#guard('read a manifest', () => this.#reader.requireHeader(runId).manifest_json);
  }

  async getEvaluationText(evaluationId: number): Promise<string> {
    return this.#guard('read an evaluation', () => this.#db.transaction(() => evaluationText(this.#db, evaluationId)).deferred());
  }

  async readPageBody(hash: string): Promise<Uint8Array | null> {
    return this.#guard('read a page body', () => {
      const row = this.#db.prepare<[string], { body: Uint8Array | null }>('SELECT body FROM blobs WHERE hash = ?').get(hash);
      return row?.body ?? null;
    });
  }

  async recordCheckpoint(runId: number, ref: StreamRef, input: CheckpointInput): Promise<void> {
    const r = parseInput(streamRef, ref, `stream of run ${runId}`);
    return this.#guard('record a checkpoint', () =>
      this.#db.transaction(() => {
        this.#requireRunning(runId, `record the checkpoint of ${r.instance}/${r.stream}`);
        recordCheckpoint(this.#db, runId, r, input);
      }).immediate(),
    );
  }

  async latestCheckpoint(org: string, instance: string, stream: string): Promise<StoredCheckpoint | null> {
    return this.#guard('read a checkpoint', () => latestCheckpoint(this.#db, org, instance, stream));
  }

  async loadStreamEntities(runId: number, instance: string, stream: string): Promise<Entity[]> {
    return this.#guard('load a stream\'s entities', () =>
      this.#db.transaction(() => {
        this.#reader.requireHeader(runId);
        return loadStreamEntities(this.#db, runId, instance, stream);
      }).deferred(),
    );
  }

  async verify(): Promise<VerifyReport> {
    return this.#guard('verify the evidence', () => verifyEvidence(this.#db));
  }

  async prune(opts: { olderThan: Date }): Promise<PruneResult> {
    return this.#guard('prune old page bodies', () => pruneBlobs(this.#db, opts.olderThan, this.#now()));
  }

  async acquireRunLock(input: AcquireRunLock): Promise<AcquireRunLockResult> {
    return this.#guard('take the run lock', () =>
      this.#db.transaction(() => acquireRunLock(this.#db, input, {
        self: this.#self, now: this.#now(), isProcessAlive: this.#isProcessAlive, processStartedAtOf: this.#processStartedAtOf,
      })).immediate(),
    );
  }

  async renewRunLock(lease: RunLease, leaseMs: number): Promise<RunLease | null> {
    return this.#guard('renew the run lock', () => this.#db.transaction(() => renewRunLock(this.#db, lease, leaseMs, this.#now())).immediate());
  }

  async releaseRunLock(lease: RunLease): Promise<void> {
    return this.#guard('release the run lock', () => this.#db.transaction(() => releaseRunLock(this.#db, lease)).immediate());
  }
  async runLockHolder(org: string): Promise<RunLockHolder | null> {
    return this.#guard('read the run lock', () => readRunLock(this.#db, org));
  }


  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  /** Reads the run inside the caller's write transaction and refuses any run that is not `running`. */
  #requireRunning(runId: number, action: string): RunHeader {
    const run = this.#reader.requireHeader(runId);
    if (run.status === 'running') return run;
    const why =
      run.status === 'interrupted'
        ? 'it was interrupted (its process stopped, or was found gone by `markAbandonedRuns`), so it can no longer gain evidence'
        : 'it is sealed, and sealed evidence is append-only';
    throw new AgentError('store_failed', `Cannot ${action}: ${describeRun(run)} is ${run.status}; ${why}.`);
  }

  /** Runs synchronous database work, turning driver errors into AgentErrors (`store_locked` when busy). */
  #guard<T>(action: string, work: () => T): T {
    if (!this.#db.open) throw new AgentError('store_failed', `Cannot ${action}: the evidence store ${this.#ctx.where} is already closed.`);
    try {
      return work();
    } catch (e) {
      throw toAgentError(e, action, this.#ctx);
    }
  }
}
