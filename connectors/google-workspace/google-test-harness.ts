import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { connector } from './index.ts';
import type { GoogleStreamId } from './config-schema.ts';
import { createLogger } from '../../src/core/logger.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import type { Entity } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { CheckItem, Connector, Page } from '../../src/core/connector.ts';
import { OutcomeBuilder } from '../../src/collect/stream-outcome-builder.ts';
import { createConnectorContext } from '../../src/collect/connector-context.ts';
import type { ResolvedConnector } from '../../src/collect/connector-registry.ts';
import { createHttpContext, type HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { PacingBudget } from '../../src/http/pacer.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import {
  generateGoogleTenant,
  generateServiceAccountKey,
  startDirectoryDouble,
  type DirectoryDouble,
  type DirectoryDoubleOptions,
  type GoogleTenant,
  type ServiceAccountKey,
} from '../../fixtures/google-workspace/index.ts';

/**
 * What the google-workspace tests share: one demo tenant and one service account key per test file,
 * doubles that are always closed, and reads through the real `@googleapis/admin` client and
 * google-auth-library JWT. Retry waits are recorded instead of slept; the pacer's quota pauses
 * (real timers) are recorded and shortened, so quota tests stay fast.
 */

export const GOOGLE = connector as Connector<unknown>;
export const INSTANCE = 'gws-test';
export const ORG = 'acme';
export const KEY_ENV = 'GWS_TEST_KEY';

let tenant: GoogleTenant | undefined;
/** The demo customer: derived from the 60-user M365 demo tenant. */
export function demoTenant(): GoogleTenant {
  tenant ??= generateGoogleTenant({ m365: generateTenant(), domain: 'contoso.com' });
  return tenant;
}

let key: ServiceAccountKey | undefined;
export function sharedKey(): ServiceAccountKey {
  key ??= generateServiceAccountKey();
  return key;
}

const open = new Set<DirectoryDouble>();

export async function startDouble(opts: Partial<DirectoryDoubleOptions> = {}): Promise<DirectoryDouble> {
  const d = await startDirectoryDouble({ tenant: demoTenant(), serviceAccount: sharedKey(), ...opts });
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
export function configFor(d: DirectoryDouble, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    adminEmail: d.adminEmail,
    serviceAccountKey: { env: KEY_ENV },
    endpoints: { directory: d.rootUrl, token: d.tokenUrl },
    ...extra,
  };
}

export interface Waits {
  /** Every wait the retry loop asked `sleep` for, in ms. */
  sleeps: number[];
  /** Every `pacer.pause(family, ms)` after a quota error. */
  pauses: { family: string; ms: number }[];
}

/** Pacing for tests not about pacing: the real 33/s budget would make the tokens stream crawl. */
export const FAST_PACING: Record<string, Partial<PacingBudget>> = { 'google-directory': { intervalCap: 1000, intervalMs: 1000, concurrency: 8 } };

export function recordingHttp(opts: Omit<HttpContextOptions, 'sleep'> = {}): { http: HttpContext; waits: Waits } {
  const waits: Waits = { sleeps: [], pauses: [] };
  const http = createHttpContext({
    pacing: FAST_PACING,
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
      pacer.pause(family, Math.ceil(ms / 1000));
    },
  };
  return { http: { ...http, pacer: scaled }, waits };
}

/** A pino logger writing JSON lines into `lines` (no secret scrub: a test sees what the connector logged). */
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

export interface Read {
  pages: Map<string, Page[]>;
  outcomes: Map<string, StreamOutcome>;
  entities<K extends Entity['kind']>(kind: K): Extract<Entity, { kind: K }>[];
  waits: Waits;
  logLines: string[];
  http: HttpContext;
}

export interface ReadOpts {
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  http?: Omit<HttpContextOptions, 'sleep'>;
  /** Read only these streams. */
  only?: readonly GoogleStreamId[];
}

/**
 * Reads every stream the way the collector does (pages in order, outcome per stream from
 * OutcomeBuilder), without a store: these tests are about the connector, not persistence.
 */
export async function readAll(d: DirectoryDouble, opts: ReadOpts = {}): Promise<Read> {
  const config = GOOGLE.configSchema.parse(opts.config ?? configFor(d));
  const rc: ResolvedConnector = { connector: GOOGLE, instance: INSTANCE, config, disabledStreams: [] };
  const { log, lines } = capturingLogger();
  const { http, waits } = recordingHttp(opts.http);
  const now = () => new Date('2026-11-20T10:00:00Z');
  const { ctx, dispose } = createConnectorContext(rc, {
    org: ORG,
    http,
    secrets: new SecretRegistry(opts.env ?? { [KEY_ENV]: d.serviceAccount.json }),
    log,
    signal: new AbortController().signal,
    now,
  });
  const pages = new Map<string, Page[]>();
  const outcomes = new Map<string, StreamOutcome>();
  try {
    await Promise.all(
      GOOGLE.streams(ctx)
        .filter((s) => !opts.only || opts.only.includes(s.id as GoogleStreamId))
        .map(async (s) => {
          const builder = new OutcomeBuilder(GOOGLE.id, INSTANCE, s, now);
          const ps: Page[] = [];
          try {
            for await (const p of s.read(ctx)) {
              ps.push(p);
              builder.addPage(p.entities.length, p.failures);
            }
          } catch (e) {
            builder.addError(e);
          }
          pages.set(s.id, ps);
          outcomes.set(s.id, builder.build());
        }),
    );
  } finally {
    await dispose();
  }
  const all = [...pages.values()].flat().flatMap((p) => p.entities);
  return {
    pages,
    outcomes,
    entities: <K extends Entity['kind']>(kind: K) => all.filter((e): e is Extract<Entity, { kind: K }> => e.kind === kind),
    waits,
    logLines: lines,
    http,
  };
}

/** `connector.check()` against `d`. */
export async function check(d: DirectoryDouble, config: Record<string, unknown> = configFor(d), env: Record<string, string> = { [KEY_ENV]: d.serviceAccount.json }): Promise<CheckItem[]> {
  const rc: ResolvedConnector = { connector: GOOGLE, instance: INSTANCE, config: GOOGLE.configSchema.parse(config), disabledStreams: [] };
  const { ctx, dispose } = createConnectorContext(rc, {
    org: ORG,
    http: recordingHttp().http,
    secrets: new SecretRegistry(env),
    log: capturingLogger().log,
    signal: new AbortController().signal,
    now: () => new Date(),
  });
  try {
    return await GOOGLE.check(ctx);
  } finally {
    await dispose();
  }
}

/** Outcome summary for readable assertion failures: `{ tokens: 'partial[denied]', … }`. */
export function summary(r: Read): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, o] of r.outcomes) out[id] = `${o.status}${o.failures.length ? `[${o.failures.map((f) => f.kind).join(',')}]` : ''}`;
  return out;
}

