import { Writable } from 'node:stream';
import { connector } from './index.ts';
import type { CheckItem, Connector, Page } from '../../src/core/connector.ts';
import type { Person } from '../../src/core/model.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import { createLogger } from '../../src/core/logger.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import { OutcomeBuilder } from '../../src/collect/stream-outcome-builder.ts';
import { createConnectorContext } from '../../src/collect/connector-context.ts';
import type { ResolvedConnector } from '../../src/collect/connector-registry.ts';
import { createHttpContext, type HttpContextOptions } from '../../src/http/request-with-retry.ts';
import type { HttpContext } from '../../src/http/http-context.ts';
import type { PacingBudget } from '../../src/http/pacer.ts';
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

const open = new Set<BambooDouble>();

export async function startDouble(opts: Partial<BambooDoubleOptions> = {}): Promise<BambooDouble> {
  const d = await startBambooHrDouble({ company: demoCompany(), ...opts });
  open.add(d);
  return d;
}

export async function closeDoubles(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((d) => d.close()));
}

export function configFor(d: BambooDouble, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { subdomain: d.subdomain, apiKey: { env: KEY_ENV }, endpoints: { api: d.apiBase }, ...extra };
}

export interface Waits {
  sleeps: number[];
  pauses: { family: string; ms: number }[];
}

/** Pacing for tests not about pacing: the fallback family's real 4 per 10 s would make retry tests crawl. */
export const FAST_PACING: Record<string, Partial<PacingBudget>> = { [BAMBOOHR_FAMILY]: { intervalCap: 1000, intervalMs: 1000, concurrency: 4 } };

function recordingHttp(opts: Omit<HttpContextOptions, 'sleep'> = {}): { http: HttpContext; waits: Waits } {
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

function contextFor(d: BambooDouble, opts: ReadOpts, http: HttpContext) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      cb();
    },
  });
  const rc: ResolvedConnector = { connector: BAMBOO, instance: 'bamboo-test', config: BAMBOO.configSchema.parse(opts.config ?? configFor(d)), disabledStreams: [] };
  const made = createConnectorContext(rc, {
    org: 'acme',
    http,
    secrets: new SecretRegistry(opts.env ?? { [KEY_ENV]: d.apiKey }),
    log: createLogger({ level: 'debug', destination }),
    signal: new AbortController().signal,
    now: () => NOW,
  });
  return { ...made, lines };
}

export async function readEmployees(d: BambooDouble, opts: ReadOpts = {}): Promise<BambooRead> {
  const { http, waits } = recordingHttp(opts.http);
  const { ctx, dispose, lines } = contextFor(d, opts, http);
  const [stream] = BAMBOO.streams(ctx);
  const builder = new OutcomeBuilder(BAMBOO.id, 'bamboo-test', stream!, () => NOW);
  const pages: Page[] = [];
  try {
    for await (const p of stream!.read(ctx)) {
      pages.push(p);
      builder.addPage(p.entities.length, p.failures);
    }
  } catch (e) {
    builder.addError(e);
  } finally {
    await dispose();
  }
  return { pages, outcome: builder.build(), people: pages.flatMap((p) => p.entities) as Person[], waits, http, logLines: lines };
}

export async function checkBamboo(d: BambooDouble, opts: ReadOpts = {}): Promise<CheckItem[]> {
  const { ctx, dispose } = contextFor(d, opts, recordingHttp(opts.http).http);
  try {
    return await BAMBOO.check(ctx);
  } finally {
    await dispose();
  }
}
