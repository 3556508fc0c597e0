import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createLogger } from '../../src/core/logger.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import type { Entity } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { CheckItem, Connector, ConnectorContext, Page, Stream } from '../../src/core/connector.ts';
import { OutcomeBuilder } from '../../src/collect/stream-outcome-builder.ts';
import { runCollection } from '../../src/collect/run-collection.ts';
import { createConnectorContext } from '../../src/collect/connector-context.ts';
import type { ResolvedConnector } from '../../src/collect/connector-registry.ts';
import { createHttpContext, type HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { RunRecord, StoredSnapshot } from '../../src/store/evidence-store.ts';
import { tempStore } from './memory-store.ts';

/**
 * What every connector's test harness does the same way: doubles that are always closed, an
 * HttpContext whose waits are recorded instead of slept, a logger whose lines a test can read,
 * reads the way the collector does them (OutcomeBuilder per stream), full collections through
 * `runCollection` into a temp SQLite store, and `connector.check()`. The per-connector harnesses
 * keep only what is vendor-specific (doubles, configs, secrets, clocks, pacing families).
 */

/** Doubles started through `track` and closed, all at once, by `closeAll` (for `afterEach`). */
export function doubleTracker<D extends { close(): Promise<void> }>(): { track(d: D): D; closeAll(): Promise<void> } {
  const open = new Set<D>();
  return {
    track(d) {
      open.add(d);
      return d;
    },
    async closeAll() {
      const all = [...open];
      open.clear();
      await Promise.all(all.map((d) => d.close()));
    },
  };
}

export interface Waits {
  /** Every wait the retry loop asked `sleep` for, in ms, in order. */
  sleeps: number[];
  /** Every `pacer.pause(family, ms)` (after a 429 / quota error), in order. */
  pauses: { family: string; ms: number }[];
}

/**
 * An HttpContext whose `sleep` records instead of sleeping. The pacer's `pause` (real timers, not
 * routed through `sleep`) is recorded and forwarded scaled down to `1/pauseDivisor`, so the queue
 * really is held (the code path runs) without a Retry-After costing seconds of test time.
 */
export function recordingHttp(opts: Omit<HttpContextOptions, 'sleep'>, pauseDivisor: number): { http: HttpContext; waits: Waits } {
  const waits: Waits = { sleeps: [], pauses: [] };
  const http = createHttpContext({
    ...opts,
    sleep: async (ms, signal) => {
      waits.sleeps.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
  });
  const pacer = http.pacer;
  const scaled = {
    families: pacer.families,
    schedule: pacer.schedule.bind(pacer),
    snapshot: pacer.snapshot.bind(pacer),
    pause(family: string, ms: number) {
      waits.pauses.push({ family, ms });
      pacer.pause(family, Math.ceil(ms / pauseDivisor));
    },
  };
  return { http: { ...http, pacer: scaled }, waits };
}

/**
 * A pino logger writing JSON lines into `lines`, with the production path redaction but WITHOUT the
 * final secret scrub, so a test can see whether the connector itself ever logs a secret.
 */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      cb();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), lines };
}

export interface TestContextOptions {
  instance: string;
  org: string;
  /** The connector block as a user would write it; parsed with the connector's schema. */
  config: Record<string, unknown>;
  /** Environment the secret refs in `config` read from. */
  env: Record<string, string>;
  http: HttpContext;
  log: Logger;
  now: () => Date;
}

/** A ConnectorContext for `connector` (every stream enabled), as the collector makes one. */
export function createTestContext(connector: Connector<unknown>, o: TestContextOptions): { ctx: ConnectorContext; dispose: () => Promise<void> } {
  const rc: ResolvedConnector = { connector, instance: o.instance, config: connector.configSchema.parse(o.config), disabledStreams: [] };
  return createConnectorContext(rc, { org: o.org, http: o.http, secrets: new SecretRegistry(o.env), log: o.log, signal: new AbortController().signal, now: o.now });
}

/** `connector.check()` in a fresh context, disposed afterwards. */
export async function runCheck(connector: Connector<unknown>, o: TestContextOptions): Promise<CheckItem[]> {
  const { ctx, dispose } = createTestContext(connector, o);
  try {
    return await connector.check(ctx);
  } finally {
    await dispose();
  }
}

export interface ReadStreamOptions {
  now: () => Date;
  /** Disposes the context as soon as the stream ends (in the read's own `finally`), for one-stream reads. */
  dispose?: () => Promise<void>;
  /** Called as soon as the stream ends, before the returned promise settles (to record results in completion order). */
  done?: (pages: Page[], outcome: StreamOutcome) => void;
}

/**
 * Reads one stream the way the collector does: pages in order, the outcome from OutcomeBuilder
 * (which turns a thrown error into the failure it records). Nothing is awaited after the stream
 * ends except `dispose`: tests that count requests still in flight when a stream gives up depend
 * on the context being disposed without extra turns of the event loop.
 */
export async function readStream(connector: Connector<unknown>, instance: string, stream: Stream, ctx: ConnectorContext, o: ReadStreamOptions): Promise<{ pages: Page[]; outcome: StreamOutcome }> {
  const builder = new OutcomeBuilder(connector.id, instance, stream, o.now);
  const pages: Page[] = [];
  try {
    for await (const p of stream.read(ctx)) {
      pages.push(p);
      builder.addPage(p.entities.length, p.failures);
    }
  } catch (e) {
    builder.addError(e);
  } finally {
    if (o.dispose) await o.dispose();
  }
  const outcome = builder.build();
  o.done?.(pages, outcome);
  return { pages, outcome };
}

/** `entities('account')`: the entities of one kind, typed. */
export function entitiesOfKind(all: readonly Entity[]): <K extends Entity['kind']>(kind: K) => Extract<Entity, { kind: K }>[] {
  return <K extends Entity['kind']>(kind: K) => all.filter((e): e is Extract<Entity, { kind: K }> => e.kind === kind);
}

/** Every stream id not in `only` (for `disabledStreams`); none when `only` is not given. */
export function disabledExcept<T extends string>(all: readonly T[], only: readonly T[] | undefined): T[] {
  return only ? all.filter((id) => !only.includes(id)) : [];
}

export interface StoreCollectOptions {
  connector: Connector<unknown>;
  instance: string;
  org: string;
  /** Already parsed with the connector's schema. */
  config: unknown;
  disabledStreams: string[];
  env: Record<string, string>;
  http: HttpContext;
  log: Logger;
  now: () => Date;
  /** Prefix of the temp folder the store lives in. */
  storePrefix: string;
}

export interface StoreCollected {
  run: RunRecord;
  outcomes: Map<string, StreamOutcome>;
  snapshot: StoredSnapshot;
  entities<K extends Entity['kind']>(kind: K): Extract<Entity, { kind: K }>[];
  /** Stored page bodies per stream (in the snapshot's order), each stream's in page order. */
  pageBodies: { stream: string; bodies: string[] }[];
}

/**
 * One full collection through `runCollection` into a fresh SQLite file on tmpfs when the machine
 * has one (the store runs `synchronous = FULL`, and an fsync per page on a real disk costs more
 * than the HTTP), read back and removed afterwards.
 */
export async function collectIntoTempStore(o: StoreCollectOptions): Promise<StoreCollected> {
  const rc: ResolvedConnector = { connector: o.connector, instance: o.instance, config: o.config, disabledStreams: o.disabledStreams };
  const secrets = new SecretRegistry(o.env);
  const t = await tempStore({ prefix: o.storePrefix, preferTmpfs: true });
  try {
    const { run, outcomes } = await runCollection({
      store: t.store,
      org: o.org,
      connectors: [rc],
      httpFor: () => o.http,
      secrets,
      log: o.log,
      signal: new AbortController().signal,
      now: o.now,
      run: { toolVersion: 'test', configDigest: '0'.repeat(64), trigger: 'test' },
    });
    const snapshot = await t.store.loadSnapshot(run.id);
    const pageBodies: { stream: string; bodies: string[] }[] = [];
    for (const [key, hashes] of Object.entries(snapshot.pageHashes)) {
      const stream = key.slice(key.indexOf('/') + 1);
      const bodies: string[] = [];
      for (const h of hashes) bodies.push(Buffer.from((await t.store.readPageBody(h)) ?? new Uint8Array()).toString('utf8'));
      pageBodies.push({ stream, bodies });
    }
    return { run, outcomes: new Map(outcomes.map((o) => [o.stream, o])), snapshot, entities: entitiesOfKind(snapshot.entities), pageBodies };
  } finally {
    await t.cleanup();
  }
}

/** Outcome summary for readable assertion failures: `{ users: 'partial[unlicensed:signIn]', … }` (`withField: false` leaves the `:field` out). */
export function outcomeSummary(outcomes: ReadonlyMap<string, StreamOutcome>, withField = true): Record<string, string> {
  const out: Record<string, string> = {};
  const label = (f: StreamOutcome['failures'][number]) => (withField ? `${f.kind}${f.field ? `:${f.field}` : ''}` : f.kind);
  for (const [id, o] of outcomes) out[id] = `${o.status}${o.failures.length ? `[${o.failures.map(label).join(',')}]` : ''}`;
  return out;
}
