import { connector } from './index.ts';
import type { CheckItem, Connector, Page } from '../../src/core/connector.ts';
import type { Person } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { PacingBudget } from '../../src/http/pacer.ts';
import {
  capturingLogger,
  createTestContext,
  doubleTracker,
  readStream,
  recordingHttp as sharedRecordingHttp,
  runCheck,
  type TestContextOptions,
  type Waits,
} from '../../test/support/connector-harness.ts';
import { BAMBOOHR_FAMILY } from './bamboo-call.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { generateBambooHr, startBambooHrDouble, type BambooCompany, type BambooDouble, type BambooDoubleOptions } from '../../fixtures/bamboohr/index.ts';

/**
 * What the bamboohr tests share: one demo company, doubles that are always closed, and reads the
 * way the collector does them. Retry waits are recorded instead of slept; pacer pauses after a
 * 429 are recorded and shortened.
 */

export const BAMBOO = connector as Connector<unknown>;
export const KEY_ENV = 'BAMBOO_TEST_KEY';
export const NOW = new Date('2026-11-20T10:00:00Z');

let company: BambooCompany | undefined;
export function demoCompany(): BambooCompany {
  company ??= generateBambooHr({ m365: generateTenant() });
  return company;
}

const doubles = doubleTracker<BambooDouble>();

export async function startDouble(opts: Partial<BambooDoubleOptions> = {}): Promise<BambooDouble> {
  return doubles.track(await startBambooHrDouble({ company: demoCompany(), ...opts }));
}

export const closeDoubles = doubles.closeAll;

export function configFor(d: BambooDouble, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { subdomain: d.subdomain, apiKey: { env: KEY_ENV }, endpoints: { api: d.apiBase }, ...extra };
}

export type { Waits };

/** Pacing for tests not about pacing: the fallback family's real 4 per 10 s would make retry tests crawl. */
export const FAST_PACING: Record<string, Partial<PacingBudget>> = { [BAMBOOHR_FAMILY]: { intervalCap: 1000, intervalMs: 1000, concurrency: 4 } };

function recordingHttp(opts: Omit<HttpContextOptions, 'sleep'> = {}): { http: HttpContext; waits: Waits } {
  return sharedRecordingHttp({ pacing: FAST_PACING, ...opts }, 1000);
}

export interface BambooRead {
  pages: Page[];
  outcome: StreamOutcome;
  people: Person[];
  waits: Waits;
  http: HttpContext;
  logLines: string[];
}

export interface ReadOpts {
  config?: Record<string, unknown>;
  env?: Record<string, string>;
  http?: Omit<HttpContextOptions, 'sleep'>;
}

function contextOptions(d: BambooDouble, opts: ReadOpts, http: HttpContext, log: TestContextOptions['log']): TestContextOptions {
  return { instance: 'bamboo-test', org: 'acme', config: opts.config ?? configFor(d), env: opts.env ?? { [KEY_ENV]: d.apiKey }, http, log, now: () => NOW };
}

export async function readEmployees(d: BambooDouble, opts: ReadOpts = {}): Promise<BambooRead> {
  const { http, waits } = recordingHttp(opts.http);
  const { log, lines } = capturingLogger();
  const { ctx, dispose } = createTestContext(BAMBOO, contextOptions(d, opts, http, log));
  const [stream] = BAMBOO.streams(ctx);
  const { pages, outcome } = await readStream(BAMBOO, 'bamboo-test', stream!, ctx, { now: () => NOW, dispose });
  return { pages, outcome, people: pages.flatMap((p) => p.entities) as Person[], waits, http, logLines: lines };
}

export async function checkBamboo(d: BambooDouble, opts: ReadOpts = {}): Promise<CheckItem[]> {
  return runCheck(BAMBOO, contextOptions(d, opts, recordingHttp(opts.http).http, capturingLogger().log));
}
