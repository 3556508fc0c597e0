import { connector } from './index.ts';
import { AWS_IAM_STREAM_IDS, type AwsIamStreamId } from './config-schema.ts';
import type { CheckItem, Connector } from '../../src/core/connector.ts';
import type { Entity } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { StoredSnapshot } from '../../src/store/evidence-store.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { collectIntoTempStore, disabledExcept, doubleTracker, outcomeSummary, recordingHttp as sharedRecordingHttp, runCheck } from '../../test/support/connector-harness.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { DEV_ACCOUNT_ID, generateAwsOrg, PROD_ACCOUNT_ID, IDENTITY_STORE_ID, startAwsDouble, type AwsDouble, type AwsDoubleOptions, type AwsOrg } from '../../fixtures/aws-iam/index.ts';

/**
 * What the aws-iam tests share: the demo organisation, doubles that are always closed, the config a
 * user would write (static keys from env secrets, so the machine's own AWS configuration is never
 * read), and a full collection through `runCollection` into a temp SQLite store. Waits asked of
 * `sleep` are recorded, not slept.
 */

export const AWS_IAM = connector as Connector<unknown>;
export const INSTANCE = 'aws-test';
export const ORG_ID = 'acme';
export const ENV_NAMES = { accessKeyId: 'AWS_TEST_ACCESS_KEY_ID', secretAccessKey: 'AWS_TEST_SECRET_ACCESS_KEY', externalId: 'AWS_TEST_EXTERNAL_ID' } as const;
/** The clock of the doubles and the runs in these tests: reports are 30 minutes old unless a quirk says otherwise. */
export const RUN_NOW = new Date('2026-11-20T10:00:00Z');
export const DOUBLE_NOW = new Date('2026-11-20T09:30:00Z');

let orgCache: AwsOrg | undefined;
export function demoOrg(): AwsOrg {
  orgCache ??= generateAwsOrg({ m365: generateTenant() });
  return orgCache;
}

const doubles = doubleTracker<AwsDouble>();
export async function startDouble(opts: Omit<AwsDoubleOptions, 'org'> & { org?: AwsOrg } = {}): Promise<AwsDouble> {
  return doubles.track(await startAwsDouble({ now: () => DOUBLE_NOW, ...opts, org: opts.org ?? demoOrg() }));
}

/** For `afterEach`: closes every double started since the last call. */
export const closeDoubles = doubles.closeAll;

export function envFor(d: AwsDouble): Record<string, string> {
  return { [ENV_NAMES.accessKeyId]: d.accessKeyId, [ENV_NAMES.secretAccessKey]: d.secretAccessKey, ...(d.externalId ? { [ENV_NAMES.externalId]: d.externalId } : {}) };
}

/** The connector block a user would write for prod and dev through the audit role, pointed at the double. */
export function configFor(d: AwsDouble, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const ext = d.externalId ? { externalId: { env: ENV_NAMES.externalId } } : {};
  return {
    credentials: { static: { accessKeyId: { env: ENV_NAMES.accessKeyId }, secretAccessKey: { env: ENV_NAMES.secretAccessKey } } },
    accounts: [
      { accountId: PROD_ACCOUNT_ID, name: 'prod', roleArn: d.roleArn(PROD_ACCOUNT_ID), ...ext },
      { accountId: DEV_ACCOUNT_ID, name: 'dev', roleArn: d.roleArn(DEV_ACCOUNT_ID), ...ext },
    ],
    identityStore: { identityStoreId: IDENTITY_STORE_ID, region: 'us-east-1' },
    endpoints: { iam: d.endpoint, sts: d.endpoint, organizations: d.endpoint, identitystore: d.endpoint },
    ...extra,
  };
}

/** Tests not about pacing should not wait for the 10/s AWS budget. */
export const FAST_PACING = { 'aws-iam': { intervalCap: 1000, intervalMs: 1000, concurrency: 4 } };

/**
 * An HttpContext whose `sleep` records instead of sleeping. The pacer's `pause` after a throttle
 * (real timers, not `sleep`) is forwarded scaled down to 1/100, so the queue really is held without
 * a backoff costing seconds of test time.
 */
export function recordingHttp(opts: Omit<HttpContextOptions, 'sleep'> = {}): { http: HttpContext; sleeps: number[] } {
  const { http, waits } = sharedRecordingHttp({ pacing: FAST_PACING, ...opts }, 100);
  return { http, sleeps: waits.sleeps };
}

export interface Collected {
  outcomes: Map<string, StreamOutcome>;
  snapshot: StoredSnapshot;
  entities<K extends Entity['kind']>(kind: K): Extract<Entity, { kind: K }>[];
  /** Stored page bodies per stream, in order. */
  pages: Map<string, string[]>;
  sleeps: number[];
  http: HttpContext;
}

export interface CollectOpts {
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  retry?: HttpContextOptions['retry'];
  timeoutMs?: number;
  only?: readonly AwsIamStreamId[];
  now?: Date;
}

/** One full collection of the connector against `d`, stored in a fresh SQLite file (removed afterwards). */
export async function collect(d: AwsDouble, opts: CollectOpts = {}): Promise<Collected> {
  const disabledStreams = disabledExcept(AWS_IAM_STREAM_IDS, opts.only);
  const config = AWS_IAM.configSchema.parse({ ...(opts.config ?? configFor(d)), ...(opts.only ? { disabledStreams } : {}) });
  const { http, sleeps } = recordingHttp({ ...(opts.retry ? { retry: opts.retry } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  const now = opts.now ?? RUN_NOW;
  const c = await collectIntoTempStore({
    connector: AWS_IAM,
    instance: INSTANCE,
    org: ORG_ID,
    config,
    disabledStreams,
    env: opts.env ?? envFor(d),
    http,
    log: silentLogger(),
    now: () => now,
    storePrefix: 'evidentia-aws-',
  });
  return {
    outcomes: c.outcomes,
    snapshot: c.snapshot,
    entities: c.entities,
    pages: new Map(c.pageBodies.map(({ stream, bodies }) => [stream, bodies])),
    sleeps,
    http,
  };
}

/** `connector.check()` against `d`. */
export async function check(d: AwsDouble, config: Record<string, unknown> = configFor(d), env: Record<string, string> = envFor(d)): Promise<CheckItem[]> {
  return runCheck(AWS_IAM, { instance: INSTANCE, org: ORG_ID, config, env, http: recordingHttp().http, log: silentLogger(), now: () => RUN_NOW });
}

/** `{ 'credential-report': 'partial[denied]', … }` for readable assertion failures. */
export function summary(c: Collected): Record<string, string> {
  return outcomeSummary(c.outcomes);
}
