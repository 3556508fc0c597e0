import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import diagnostics from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { connector } from './index.ts';
import { M365_STREAM_IDS, type M365StreamId } from './config-schema.ts';
import { createLogger } from '../../src/core/logger.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import type { Account, Entity } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import { runCollection } from '../../src/collect/run-collection.ts';
import { createConnectorContext } from '../../src/collect/connector-context.ts';
import type { ResolvedConnector } from '../../src/collect/connector-registry.ts';
import type { CheckItem, Connector } from '../../src/core/connector.ts';
import { createHttpContext, type HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { PacingBudget } from '../../src/http/pacer.ts';
import type { RunRecord, StoredSnapshot } from '../../src/store/evidence-store.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
import { generateDoubleTls, startGraphDouble, type DoubleTlsMaterial, type GraphDouble, type GraphDoubleOptions } from '../../fixtures/m365/index.ts';

/**
 * What the m365 tests share: one TLS key pair per test file, doubles that are always closed, and a
 * full collection through `runCollection` into a real temp SQLite store with the real SDKs. Waits
 * the retry loop asks for are recorded instead of slept, so throttling tests stay fast.
 */

export const M365 = connector as Connector<unknown>;
export const INSTANCE = 'm365-test';
export const ORG = 'acme';
export const SECRET_ENV = 'M365_TEST_SECRET';

let tlsPromise: Promise<DoubleTlsMaterial> | undefined;
/** One certificate per test file (generating one costs ~0.4 s). */
export function sharedTls(): Promise<DoubleTlsMaterial> {
  tlsPromise ??= generateDoubleTls();
  return tlsPromise;
}

const open = new Set<GraphDouble>();

export async function startDouble(opts: Omit<GraphDoubleOptions, 'tls'>): Promise<GraphDouble> {
  const d = await startGraphDouble({ ...opts, tls: await sharedTls() });
  open.add(d);
  return d;
}

/** For `afterEach`: closes every double started since the last call. */
export async function closeDoubles(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((d) => d.close()));
}

/** The connector block a user would write, pointed at the double. */
export function configFor(d: GraphDouble, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tenantId: d.tenantId,
    clientId: d.clientId,
    auth: { method: 'client_secret', secret: { env: SECRET_ENV } },
    endpoints: { graph: d.graphBaseUrl, authority: d.authorityHost },
    ...extra,
  };
}

export interface Waits {
  /** Every wait the retry loop asked `sleep` for, in ms, in order. */
  sleeps: number[];
  /** Every `pacer.pause(family, ms)` (after a 429), in order. */
  pauses: { family: string; ms: number }[];
}

/**
 * An HttpContext whose `sleep` records instead of sleeping. The pacer's `pause` (real timers, not
 * routed through `sleep`) is recorded and forwarded scaled down to 1/100, so the queue really is
 * held (the code path runs) without a 2 s Retry-After costing 2 s of test time.
 */
export function recordingHttp(ca: string, opts: Omit<HttpContextOptions, 'ca' | 'sleep'> = {}): { http: HttpContext; waits: Waits } {
  const waits: Waits = { sleeps: [], pauses: [] };
  const http = createHttpContext({
    ...opts,
    ca,
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
      pacer.pause(family, Math.ceil(ms / 100));
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

/**
 * `test/support/memory-store.ts`'s `tempStore`, but on tmpfs when the machine has one: the store
 * runs `synchronous = FULL`, and an fsync per page on a real disk costs more than the HTTP.
 */
async function tempStore(): Promise<{ store: EvidenceStore; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'evidentia-m365-'));
  const store = await openSqliteStore(join(dir, 'evidence.db'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface StoredPage {
  stream: string;
  seq: number;
  body: string;
}

export interface Collected {
  run: RunRecord;
  outcomes: Map<string, StreamOutcome>;
  snapshot: StoredSnapshot;
  /** Stored entities of one stream kind, e.g. `entities('account')`. */
  entities<K extends Entity['kind']>(kind: K): Extract<Entity, { kind: K }>[];
  accounts(): Map<string, Account>;
  /** Every stored page body, per stream, in order. */
  pages: StoredPage[];
  waits: Waits;
  logLines: string[];
  http: HttpContext;
}

/**
 * Budgets for tests that are not about pacing: Graph's real sign-in (9/min) and reports (4/10 s)
 * budgets would make a 9-page test tenant take a minute. Tests about pacing pass their own.
 */
export const FAST_PACING: Record<string, Partial<PacingBudget>> = {
  'graph-signin': { intervalCap: 1000, intervalMs: 1000 },
  'graph-reports': { intervalCap: 1000, intervalMs: 1000 },
};

export interface CollectOpts {
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  /** @default FAST_PACING */
  pacing?: Record<string, Partial<PacingBudget>>;
  retry?: HttpContextOptions['retry'];
  /** Read only these streams; the others are recorded as `disabled` (through the config's disabledStreams). */
  only?: readonly M365StreamId[];
}

/** One full collection of the m365 connector against `d`, stored in a fresh SQLite file (removed afterwards). */
export async function collect(d: GraphDouble, opts: CollectOpts = {}): Promise<Collected> {
  const disabledStreams = opts.only ? M365_STREAM_IDS.filter((id) => !opts.only!.includes(id)) : [];
  const config = M365.configSchema.parse({ ...(opts.config ?? configFor(d)), ...(opts.only ? { disabledStreams } : {}) });
  const rc: ResolvedConnector = { connector: M365, instance: INSTANCE, config, disabledStreams };
  const secrets = new SecretRegistry(opts.env ?? { [SECRET_ENV]: d.clientSecret });
  const { log, lines } = capturingLogger();
  const { http, waits } = recordingHttp(d.ca, { pacing: opts.pacing ?? FAST_PACING, ...(opts.retry ? { retry: opts.retry } : {}) });
  const t = await tempStore();
  try {
    const { run, outcomes } = await runCollection({
      store: t.store,
      org: ORG,
      connectors: [rc],
      httpFor: () => http,
      secrets,
      log,
      signal: new AbortController().signal,
      now: () => new Date(),
      run: { toolVersion: 'test', configDigest: '0'.repeat(64), trigger: 'test' },
    });
    const snapshot = await t.store.loadSnapshot(run.id);
    const pages: StoredPage[] = [];
    for (const [key, hashes] of Object.entries(snapshot.pageHashes)) {
      const stream = key.slice(key.indexOf('/') + 1);
      for (const [i, h] of hashes.entries()) {
        const bytes = await t.store.readPageBody(h);
        pages.push({ stream, seq: i + 1, body: Buffer.from(bytes ?? new Uint8Array()).toString('utf8') });
      }
    }
    const entities = <K extends Entity['kind']>(kind: K) => snapshot.entities.filter((e): e is Extract<Entity, { kind: K }> => e.kind === kind);
    return {
      run,
      outcomes: new Map(outcomes.map((o) => [o.stream, o])),
      snapshot,
      entities,
      accounts: () => new Map(entities('account').map((a) => [a.username, a])),
      pages,
      waits,
      logLines: lines,
      http,
    };
  } finally {
    await t.cleanup();
  }
}

/** `connector.check()` against `d`. */
export async function check(d: GraphDouble, config: Record<string, unknown> = configFor(d), env: Record<string, string> = { [SECRET_ENV]: d.clientSecret }): Promise<CheckItem[]> {
  const rc: ResolvedConnector = { connector: M365, instance: INSTANCE, config: M365.configSchema.parse(config), disabledStreams: [] };
  const secrets = new SecretRegistry(env);
  const { ctx, dispose } = createConnectorContext(rc, {
    org: ORG,
    http: recordingHttp(d.ca).http,
    secrets,
    log: capturingLogger().log,
    signal: new AbortController().signal,
    now: () => new Date(),
  });
  try {
    return await M365.check(ctx);
  } finally {
    await dispose();
  }
}

export interface SentRequest {
  origin: string;
  path: string;
  /** An `authorization` header was on the request (its value is not kept). */
  hadAuthorization: boolean;
}

/**
 * Every request undici creates in this process, seen through its diagnostics channel: what the
 * connector's FetchMiddleware actually sent, wherever it was going (the double can only report
 * what reached it).
 */
export function watchUndici(): { sent: SentRequest[]; stop: () => void } {
  const sent: SentRequest[] = [];
  const onCreate = (message: unknown) => {
    const req = (message as { request: { origin: string | URL; path: string; headers: string | string[] | Record<string, unknown> } }).request;
    const h = req.headers;
    const names = typeof h === 'string' ? h.split('\r\n').map((l) => l.split(':')[0] ?? '') : Array.isArray(h) ? h.filter((_, i) => i % 2 === 0) : Object.keys(h);
    sent.push({ origin: new URL(String(req.origin)).origin, path: req.path, hadAuthorization: names.some((n) => n.toLowerCase() === 'authorization') });
  };
  diagnostics.subscribe('undici:request:create', onCreate);
  return { sent, stop: () => diagnostics.unsubscribe('undici:request:create', onCreate) };
}

/** Graph requests the double saw (identity-platform calls left out). */
export function graphRequests(d: GraphDouble, pathSuffix?: string) {
  return d.requests.filter((r) => r.path.startsWith('/v1.0/') && (pathSuffix === undefined || r.path.endsWith(pathSuffix)));
}

/** Outcome summary for readable assertion failures: `{ users: 'partial[unlicensed:signIn]' , … }`. */
export function summary(c: Collected): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, o] of c.outcomes) out[id] = `${o.status}${o.failures.length ? `[${o.failures.map((f) => `${f.kind}${f.field ? `:${f.field}` : ''}`).join(',')}]` : ''}`;
  return out;
}
