import { connector } from './index.ts';
import type { GoogleStreamId } from './config-schema.ts';
import type { Entity } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { CheckItem, Connector, Page } from '../../src/core/connector.ts';
import type { HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { PacingBudget } from '../../src/http/pacer.ts';
import {
  capturingLogger,
  createTestContext,
  doubleTracker,
  entitiesOfKind,
  outcomeSummary,
  readStream,
  recordingHttp as sharedRecordingHttp,
  runCheck,
  type Waits,
} from '../../test/support/connector-harness.ts';
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

const doubles = doubleTracker<DirectoryDouble>();

export async function startDouble(opts: Partial<DirectoryDoubleOptions> = {}): Promise<DirectoryDouble> {
  return doubles.track(await startDirectoryDouble({ tenant: demoTenant(), serviceAccount: sharedKey(), ...opts }));
}

/** For `afterEach`: closes every double started since the last call. */
export const closeDoubles = doubles.closeAll;

/** The connector block a user would write, pointed at the double. */
export function configFor(d: DirectoryDouble, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    adminEmail: d.adminEmail,
    serviceAccountKey: { env: KEY_ENV },
    endpoints: { directory: d.rootUrl, token: d.tokenUrl },
    ...extra,
  };
}

export type { Waits };

/** Pacing for tests not about pacing: the real 33/s budget would make the tokens stream crawl. */
export const FAST_PACING: Record<string, Partial<PacingBudget>> = { 'google-directory': { intervalCap: 1000, intervalMs: 1000, concurrency: 8 } };

/** Retry waits recorded, quota pauses recorded and forwarded at 1/1000 (see the shared `recordingHttp`). */
export function recordingHttp(opts: Omit<HttpContextOptions, 'sleep'> = {}): { http: HttpContext; waits: Waits } {
  return sharedRecordingHttp({ pacing: FAST_PACING, ...opts }, 1000);
}

export { capturingLogger };

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
  const { log, lines } = capturingLogger();
  const { http, waits } = recordingHttp(opts.http);
  const now = () => new Date('2026-11-20T10:00:00Z');
  const { ctx, dispose } = createTestContext(GOOGLE, { instance: INSTANCE, org: ORG, config: opts.config ?? configFor(d), env: opts.env ?? { [KEY_ENV]: d.serviceAccount.json }, http, log, now });
  const pages = new Map<string, Page[]>();
  const outcomes = new Map<string, StreamOutcome>();
  try {
    await Promise.all(
      GOOGLE.streams(ctx)
        .filter((s) => !opts.only || opts.only.includes(s.id as GoogleStreamId))
        .map((s) =>
          readStream(GOOGLE, INSTANCE, s, ctx, {
            now,
            done: (ps, outcome) => {
              pages.set(s.id, ps);
              outcomes.set(s.id, outcome);
            },
          }),
        ),
    );
  } finally {
    await dispose();
  }
  return {
    pages,
    outcomes,
    entities: entitiesOfKind([...pages.values()].flat().flatMap((p) => p.entities)),
    waits,
    logLines: lines,
    http,
  };
}

/** `connector.check()` against `d`. */
export async function check(d: DirectoryDouble, config: Record<string, unknown> = configFor(d), env: Record<string, string> = { [KEY_ENV]: d.serviceAccount.json }): Promise<CheckItem[]> {
  return runCheck(GOOGLE, { instance: INSTANCE, org: ORG, config, env, http: recordingHttp().http, log: capturingLogger().log, now: () => new Date() });
}

/** Outcome summary for readable assertion failures: `{ tokens: 'partial[denied]', … }`. */
export function summary(r: Read): Record<string, string> {
  return outcomeSummary(r.outcomes, false);
}
