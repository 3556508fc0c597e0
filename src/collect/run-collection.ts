import type { Logger } from 'pino';
import type { ConnectorContext, Page, PreviousCollection, Stream } from '../core/connector.ts';
import { entity as entitySchema, type Entity } from '../core/model.ts';
import type { SecretResolver } from '../core/secrets.ts';
import type { StreamFailure, StreamOutcome } from '../core/stream-outcome.ts';
import type { HttpContext } from '../http/http-context.ts';
import type { EvidenceStore, RunRecord, BeginRun } from '../store/evidence-store.ts';
import type { ResolvedConnector } from './connector-registry.ts';
import { OutcomeBuilder } from './stream-outcome-builder.ts';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import { createConnectorContext } from './connector-context.ts';

export type CollectEvent =
  | { type: 'run_started'; runId: number; org: string }
  | { type: 'stream_started'; instance: string; stream: string; title: string }
  | { type: 'page'; instance: string; stream: string; pages: number; records: number }
  | { type: 'stream_finished'; outcome: StreamOutcome }
  | { type: 'run_finished'; run: RunRecord };

export interface CollectOptions {
  store: EvidenceStore;
  org: string;
  connectors: readonly ResolvedConnector[];
  /** One HTTP context per connector instance: pacing budgets are per tenant. */
  httpFor: (instance: string) => HttpContext;
  secrets: SecretResolver;
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
  run: Omit<BeginRun, 'org' | 'startedAt'>;
  /**
   * Track changes between runs: `incremental` resumes streams from their checkpoints (the m365 users
   * stream reads Graph delta), `full` reads everything and refreshes the checkpoints. Absent: a
   * plain full run that keeps no checkpoint. Stored as the run's mode.
   */
  mode?: 'full' | 'incremental';
  onEvent?: (e: CollectEvent) => void;
}

export interface CollectResult {
  run: RunRecord;
  outcomes: StreamOutcome[];
}

/**
 * One collection run for one organisation: every configured connector, every stream, each page
 * stored the moment it arrives. A stream's failure is recorded and never stops the others. If the
 * signal aborts (SIGINT/SIGTERM), what was read stays stored and the run is sealed as interrupted.
 */
export async function runCollection(opts: CollectOptions): Promise<CollectResult> {
  const { store, log } = opts;
  const run = await store.beginRun({ ...opts.run, mode: opts.mode ?? 'full', org: opts.org, startedAt: opts.now().toISOString() });
  opts.onEvent?.({ type: 'run_started', runId: run.id, org: opts.org });
  const outcomes: StreamOutcome[] = [];
  try {
    for (const rc of opts.connectors) {
      outcomes.push(...(await collectConnector(opts, run.id, rc)));
    }
  } catch (e) {
    // Streams record their own failures; what reaches here is the store failing (disk full,
    // locked). What was written stays, and the run is closed as interrupted so it never counts
    // as evidence nor stays "running".
    await store.finishRun(run.id, { finishedAt: opts.now().toISOString(), status: 'interrupted' }).catch((closeError: unknown) => {
      log.error({ run: run.id, err: closeError }, 'could not mark the run interrupted');
    });
    throw e;
  }
  const status = opts.signal.aborted ? 'interrupted' : runStatus(outcomes);
  const finished = await store.finishRun(run.id, { finishedAt: opts.now().toISOString(), status });
  log.info({ run: run.id, org: opts.org, status }, 'run finished');
  opts.onEvent?.({ type: 'run_finished', run: finished });
  return { run: finished, outcomes };
}

function runStatus(outcomes: readonly StreamOutcome[]): 'complete' | 'partial' | 'failed' {
  const usable = (o: StreamOutcome) => o.status === 'complete' || o.status === 'not_applicable' || o.status === 'disabled';
  if (outcomes.every(usable)) return 'complete';
  if (outcomes.every((o) => o.status === 'failed')) return 'failed';
  return 'partial';
}

async function collectConnector(opts: CollectOptions, runId: number, rc: ResolvedConnector): Promise<StreamOutcome[]> {
  const { ctx, dispose } = createConnectorContext(rc, { ...opts, http: opts.httpFor(rc.instance), previous: previousFrom(opts) });
  const seen = new Map<string, string>();
  try {
    const streams = rc.connector.streams(ctx);
    // Streams run side by side: each family has its own pacing budget, so the slow sign-in
    // budget does not hold up the directory reads. SQLite writes stay serialised by the store.
    // allSettled: a store failure in one stream must not leave the others writing after the run is closed.
    const settled = await Promise.allSettled(streams.map((s) => collectStream(opts, runId, rc, s, ctx, seen)));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((r) => (r as PromiseFulfilledResult<StreamOutcome>).value);
  } finally {
    await dispose();
  }
}

async function collectStream(
  opts: CollectOptions,
  runId: number,
  rc: ResolvedConnector,
  stream: Stream<unknown>,
  ctx: ConnectorContext<unknown>,
  seen: Map<string, string>,
): Promise<StreamOutcome> {
  const ref = { connector: rc.connector.id, instance: rc.instance, stream: stream.id };
  let outcome: StreamOutcome;
  if (rc.disabledStreams.includes(stream.id)) {
    outcome = OutcomeBuilder.disabled(rc.connector.id, rc.instance, stream, opts.now);
  } else {
    opts.onEvent?.({ type: 'stream_started', instance: rc.instance, stream: stream.id, title: stream.title });
    const builder = new OutcomeBuilder(rc.connector.id, rc.instance, stream, opts.now);
    let checkpoint: Page['checkpoint'];
    try {
      for await (const page of stream.read(ctx)) {
        const { valid, failures } = validateEntities(page.entities, stream, ctx, seen);
        await opts.store.recordPage(runId, {
          ...ref,
          seq: builder.pages + 1,
          method: page.request.method,
          url: page.request.url,
          status: page.status,
          contentType: page.contentType,
          body: page.body,
          receivedAt: page.receivedAt,
        });
        if (valid.length > 0) await opts.store.recordEntities(runId, ref, valid);
        builder.addPage(valid.length, [...page.failures, ...failures]);
        if (page.checkpoint) checkpoint = page.checkpoint;
        if (page.note) builder.addNote(page.note);
        opts.onEvent?.({ type: 'page', instance: rc.instance, stream: stream.id, pages: builder.pages, records: builder.records });
      }
    } catch (e) {
      ctx.log.warn({ stream: stream.id, err: e }, 'stream stopped early');
      if (opts.signal.aborted) builder.addInterrupted();
      else builder.addError(e);
    }
    outcome = builder.build();
    // Only a stream that read everything may move the resume point; a failed or interrupted one
    // leaves the previous checkpoint in force (and an unsealed run's checkpoint is never used).
    if (checkpoint && outcome.status === 'complete' && !opts.signal.aborted) {
      await opts.store.recordCheckpoint(runId, ref, { value: checkpoint.value, baseRunId: checkpoint.baseRunId, recordedAt: opts.now().toISOString() });
    }
  }
  await opts.store.recordStreamOutcome(runId, outcome);
  opts.onEvent?.({ type: 'stream_finished', outcome });
  return outcome;
}

/**
 * The store's edge: a connector bug that produces a malformed entity is a recorded failure, not a
 * crash. Vendors sometimes repeat a record across pages while paging (Graph does under load): an
 * identical repeat is dropped, a repeat with different content keeps the first and is recorded.
 */
function validateEntities(
  entities: readonly Entity[],
  stream: Stream<unknown>,
  ctx: ConnectorContext<unknown>,
  seen: Map<string, string>,
): { valid: Entity[]; failures: StreamFailure[] } {
  const valid: Entity[] = [];
  const failures: StreamFailure[] = [];
  for (const e of entities) {
    const parsed = entitySchema.safeParse(e);
    if (!parsed.success || parsed.data.kind !== stream.entity || parsed.data.source.instance !== ctx.instance) {
      failures.push({ kind: 'invalid', detail: `${stream.id} produced a record that does not fit the ${stream.entity} model; it was not stored` });
      continue;
    }
    const id = `${parsed.data.kind}:${parsed.data.key}`;
    const digest = sha256Hex(canonicalJson(parsed.data));
    const before = seen.get(id);
    if (before === undefined) {
      seen.set(id, digest);
      valid.push(parsed.data);
    } else if (before !== digest) {
      failures.push({ kind: 'invalid', detail: `${stream.id} returned ${parsed.data.kind} ${parsed.data.key} twice with different content; the first was kept` });
    } else {
      ctx.log.debug({ stream: stream.id, key: parsed.data.key }, 'identical record repeated by the vendor; dropped');
    }
  }
  return { valid, failures };
}

function previousFrom(opts: CollectOptions): ((instance: string) => PreviousCollection) | undefined {
  const mode = opts.mode;
  if (mode === undefined) return undefined;
  return (instance) => ({
    mode,
    checkpoint: (stream) => opts.store.latestCheckpoint(opts.org, instance, stream),
    entities: (runId, stream) => opts.store.loadStreamEntities(runId, instance, stream),
  });
}
