import diagnostics from 'node:diagnostics_channel';
import { connector } from './index.ts';
import { M365_STREAM_IDS, type M365StreamId } from './config-schema.ts';
import type { Account, Entity } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { CheckItem, Connector } from '../../src/core/connector.ts';
import type { HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { PacingBudget } from '../../src/http/pacer.ts';
import type { EvidenceStore, RunRecord, StoredSnapshot } from '../../src/store/evidence-store.ts';
import { runCollection } from '../../src/collect/run-collection.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import {
  capturingLogger,
  collectIntoTempStore,
  disabledExcept,
  doubleTracker,
  outcomeSummary,
  recordingHttp as sharedRecordingHttp,
  runCheck,
  type Waits,
} from '../../test/support/connector-harness.ts';
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

const doubles = doubleTracker<GraphDouble>();

export async function startDouble(opts: Omit<GraphDoubleOptions, 'tls'>): Promise<GraphDouble> {
  return doubles.track(await startGraphDouble({ ...opts, tls: await sharedTls() }));
}

/** For `afterEach`: closes every double started since the last call. */
export const closeDoubles = doubles.closeAll;

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

export type { Waits };

/**
 * An HttpContext whose `sleep` records instead of sleeping. The pacer's `pause` is recorded and
 * forwarded scaled down to 1/100 (see the shared `recordingHttp`).
 */
export function recordingHttp(ca: string, opts: Omit<HttpContextOptions, 'ca' | 'sleep'> = {}): { http: HttpContext; waits: Waits } {
  return sharedRecordingHttp({ ...opts, ca }, 100);
}

export { capturingLogger };

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
  const disabledStreams = disabledExcept(M365_STREAM_IDS, opts.only);
  const config = M365.configSchema.parse({ ...(opts.config ?? configFor(d)), ...(opts.only ? { disabledStreams } : {}) });
  const { log, lines } = capturingLogger();
  const { http, waits } = recordingHttp(d.ca, { pacing: opts.pacing ?? FAST_PACING, ...(opts.retry ? { retry: opts.retry } : {}) });
  const c = await collectIntoTempStore({
    connector: M365,
    instance: INSTANCE,
    org: ORG,
    config,
    disabledStreams,
    env: opts.env ?? { [SECRET_ENV]: d.clientSecret },
    http,
    log,
    now: () => new Date(),
    storePrefix: 'evidentia-m365-',
  });
  return {
    run: c.run,
    outcomes: c.outcomes,
    snapshot: c.snapshot,
    entities: c.entities,
    accounts: () => new Map(c.entities('account').map((a) => [a.username, a])),
    pages: c.pageBodies.flatMap(({ stream, bodies }) => bodies.map((body, i) => ({ stream, seq: i + 1, body }))),
    waits,
    logLines: lines,
    http,
  };
}

/** `connector.check()` against `d`. */
export async function check(d: GraphDouble, config: Record<string, unknown> = configFor(d), env: Record<string, string> = { [SECRET_ENV]: d.clientSecret }): Promise<CheckItem[]> {
  return runCheck(M365, { instance: INSTANCE, org: ORG, config, env, http: recordingHttp(d.ca).http, log: capturingLogger().log, now: () => new Date() });
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
  return outcomeSummary(c.outcomes);
}

export interface TrackedRun {
  run: RunRecord;
  outcome(stream: M365StreamId): StreamOutcome;
  /** The entities this run stored for `stream`. */
  entities(stream: M365StreamId): Promise<Entity[]>;
  /** Graph requests this run made. */
  calls: ReturnType<typeof graphRequests>;
}

/**
 * One run of the m365 connector into `store` (kept across runs, so runs can build on each other),
 * reading only `streams`, at the injected time `now`. `mode`: `incremental` / `full` track changes;
 * undefined is a plain full run that keeps no checkpoint.
 */
export async function trackedRun(
  store: EvidenceStore,
  d: GraphDouble,
  opts: { streams: readonly M365StreamId[]; mode: 'full' | 'incremental' | undefined; now: Date; signal?: AbortSignal },
): Promise<TrackedRun> {
  const disabledStreams = disabledExcept(M365_STREAM_IDS, opts.streams);
  const config = M365.configSchema.parse({ ...configFor(d), disabledStreams });
  const { http } = recordingHttp(d.ca, { pacing: FAST_PACING });
  const before = graphRequests(d).length;
  const r = await runCollection({
    store,
    org: ORG,
    connectors: [{ connector: M365, instance: INSTANCE, config, disabledStreams }],
    httpFor: () => http,
    secrets: new SecretRegistry({ [SECRET_ENV]: d.clientSecret }),
    log: capturingLogger().log,
    signal: opts.signal ?? new AbortController().signal,
    now: () => opts.now,
    run: { toolVersion: 'test', configDigest: '0'.repeat(64), trigger: 'test' },
    ...(opts.mode ? { mode: opts.mode } : {}),
  });
  return {
    run: r.run,
    outcome: (stream) => r.outcomes.find((o) => o.stream === stream)!,
    entities: (stream) => store.loadStreamEntities(r.run.id, INSTANCE, stream) as Promise<Entity[]>,
    calls: graphRequests(d).slice(before),
  };
}
