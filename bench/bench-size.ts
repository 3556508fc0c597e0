import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateTenant, startGraphDouble, type GraphDouble, type RecordedRequest, type SimulatedTenant } from '../fixtures/m365/index.ts';
import { openApp, type App } from '../src/run/app.ts';
import { collectAndEvaluate } from '../src/run/pipeline.ts';
import type { HttpContext } from '../src/http/http-context.ts';
import type { HttpStatsSnapshot } from '../src/http/http-stats.ts';
import type { AgentConfig } from '../src/config/agent-config.ts';
import type { StreamOutcome } from '../src/core/stream-outcome.ts';
import { benchConfig, effectiveBudgets, SECRET_ENV } from './bench-config.ts';
import { countIssued, minimumCalls, minimumCallsOnDouble, tenantShape, type FamilyCounts, type IssuedCalls, type TenantShape } from './call-counts.ts';
import { replayGraphCalls, type DoubleBaseline } from './double-baseline.ts';
import { measureDb, type DbFootprint, type RunBytes } from './db-footprint.ts';
import { sampleMemory, type MemoryPeaks } from './memory-sampler.ts';
import { estimatedFloorMs, expectedPacerFloorMs, latencyFloorMs, pacerFloorMs, quotaFloorMs } from './time-floors.ts';

/** One size: a generated tenant, two runs on it (the second on the unchanged tenant), every figure. */

export interface SizeOptions {
  users: number;
  latencyMs: number;
  realQuotas: boolean;
  /** An empty folder for the evidence database; the caller makes it and removes it (so a crashed worker leaves nothing behind). */
  dir: string;
  signal: AbortSignal;
  /** Progress lines (stderr). */
  progress: (line: string) => void;
}

export interface RunFigures {
  runId: number;
  /** The run's sealed status: `complete`, `partial`, `failed` or `interrupted`. */
  status: string;
  /** One line per stream that did not complete, e.g. `users: partial (throttled)`. */
  streamProblems: string[];
  evaluated: boolean;
  /** Opening the app before the run: config, connector modules, store migrations. Not part of `wallMs`. */
  openMs: number;
  /** `collectAndEvaluate`, start to end. */
  wallMs: number;
  /** Until the run was sealed; the rest of `wallMs` is evaluation and storing results. */
  collectMs: number;
  /** CPU time of this process (agent AND the in-process double) during `wallMs`, user + system. */
  cpuMs: number;
  /** Share of `wallMs` the main thread was busy (0–1); near 1 means CPU-bound, not waiting on the network or the pacer. */
  eventLoopUtilization: number;
  issued: IssuedCalls;
  /** The double's record of this run's requests; emptied before the figures leave the worker. */
  requestLog: RecordedRequest[];
  /** What the connector's HTTP layer counted per pacing family (attempts, queue wait, retries). */
  httpStats: HttpStatsSnapshot;
  pacerFloorMs: number;
  memory: MemoryPeaks;
  /**
   * The kernel's peak RSS of this size's process (getrusage ru_maxrss) at the end of the run. Exact,
   * unlike the sampled peaks, which cannot see inside synchronous work such as evaluation; but it
   * never goes down, so for run 2 it is the larger of both runs (see `maxRssReachedIn`).
   */
  maxRssBytes: number;
  /** Where `maxRssBytes` was set: `collect`, `evaluate` (incl. sealing and storing results) or `earlier` (before this run). */
  maxRssReachedIn: 'collect' | 'evaluate' | 'earlier';
  /** Memory right before the run started (after a full GC when the process has `--expose-gc`). */
  baselineRssBytes: number;
  baselineHeapUsedBytes: number;
  /** Memory after the run, the app closed and a full GC: what the process keeps (RSS is rarely given back to the OS). */
  afterRssBytes: number;
  afterHeapUsedBytes: number;
  /** Whether `gc()` was available, so baseline and after figures follow a full collection. */
  gcAvailable: boolean;
  db: DbFootprint;
  bytes: RunBytes;
}

/** What a size costs at the least, computed from the tenant alone (nothing is run). */
export interface SizePlan {
  users: number;
  latencyMs: number;
  realQuotas: boolean;
  shape: Omit<TenantShape, 'assignmentsPerSp'>;
  minimum: FamilyCounts;
  minimumOnDouble: FamilyCounts;
  quotaFloorMs: number;
  latencyFloorMs: number;
  /** max(quota floor + latency, latency floor) when quotas apply, else the latency floor. */
  estimatedFloorMs: number;
  /** Our budgets on the double's minimum calls (with real quotas; our budgets sit a little under Microsoft's). */
  expectedPacerFloorMs: number;
}

export interface SizeFigures extends SizePlan {
  runs: RunFigures[];
  /** Run 1's Graph GETs replayed with a bare client: the double's and the transport's share of a run's CPU. */
  doubleBaseline: DoubleBaseline | null;
}

export function planSize(opts: Pick<SizeOptions, 'users' | 'latencyMs' | 'realQuotas'>): { plan: SizePlan; tenant: SimulatedTenant } {
  const tenant = generateTenant({ users: opts.users, now: new Date() });
  const fullShape = tenantShape(tenant);
  const { assignmentsPerSp: _, ...shape } = fullShape;
  const minimum = minimumCalls(fullShape);
  const minimumOnDouble = minimumCallsOnDouble(fullShape);
  const plan: SizePlan = {
    users: opts.users,
    latencyMs: opts.latencyMs,
    realQuotas: opts.realQuotas,
    shape,
    minimum,
    minimumOnDouble,
    quotaFloorMs: quotaFloorMs(minimum),
    latencyFloorMs: latencyFloorMs(minimum, opts.latencyMs),
    estimatedFloorMs: estimatedFloorMs(minimum, opts.latencyMs, opts.realQuotas),
    expectedPacerFloorMs: opts.realQuotas ? expectedPacerFloorMs(minimumOnDouble, effectiveBudgets(true)) : 0,
  };
  return { plan, tenant };
}

export async function benchSize(opts: SizeOptions): Promise<SizeFigures> {
  const { plan, tenant } = planSize(opts);
  const perRun = Math.max(plan.estimatedFloorMs, plan.expectedPacerFloorMs);
  opts.progress(`${opts.users} users: expect at least ${(perRun / 1000).toFixed(1)} s per run, two runs (${opts.realQuotas ? 'real quotas' : 'fast'})`);
  const runs: RunFigures[] = [];
  let doubleBaseline: DoubleBaseline | null = null;
  const double = await startGraphDouble({ tenant, quirks: { latencyMs: opts.latencyMs, enforceReportsQuota: opts.realQuotas } });
  try {
    const config = benchConfig({ storePath: join(opts.dir, 'bench.db'), tenant, double, realQuotas: opts.realQuotas });
    for (const label of ['run 1', 'run 2']) {
      if (opts.signal.aborted) break;
      runs.push(await runOnce(config, double, runs.map((r) => r.runId), { ...opts, label }));
    }
    if (runs[0] && !opts.signal.aborted) {
      opts.progress(`${opts.users} users: replaying run 1's Graph calls with a bare client (the double's own cost)`);
      doubleBaseline = await replayGraphCalls(double, runs[0].requestLog);
    }
  } finally {
    await double.close();
  }
  for (const r of runs) r.requestLog = []; // not part of the figures
  return { ...plan, runs, doubleBaseline };
}

async function runOnce(config: AgentConfig, double: GraphDouble, earlierRunIds: number[], opts: SizeOptions & { label: string }): Promise<RunFigures> {
  const from = double.requests.length;
  fullGc();
  const before = process.memoryUsage();
  let phase = 'open';
  const memory = sampleMemory(50, () => phase);
  const contexts: HttpContext[] = [];
  let pages = 0;
  const recordsByStream = new Map<string, number>();
  const outcomes: StreamOutcome[] = [];
  const opened = performance.now();
  let started = opened;
  let collectMs = 0;
  let wallMs = 0;
  const maxRss = () => process.resourceUsage().maxRSS * 1024;
  const maxRssAtStart = maxRss();
  let maxRssAtCollectEnd = maxRssAtStart;
  let cpu = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  const ticker = setInterval(() => {
    const records = [...recordsByStream.values()].reduce((a, b) => a + b, 0);
    opts.progress(`${opts.users} users, ${opts.label}: ${phase}, ${pages} pages, ${records} records, ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }, 15_000);
  ticker.unref();
  let result: Awaited<ReturnType<typeof collectAndEvaluate>>;
  let peaks: MemoryPeaks;
  try {
    const app = await openApp({ config, env: { [SECRET_ENV]: double.clientSecret }, extraCa: double.ca });
    try {
      // Same app, but every HTTP context it hands out is kept so its counters can be read after the run.
      const watched: App = {
        ...app,
        httpFor: (instance) => {
          const h = app.httpFor(instance);
          contexts.push(h);
          return h;
        },
      };
      phase = 'collect';
      started = performance.now();
      cpu = process.cpuUsage();
      elu = performance.eventLoopUtilization();
      result = await collectAndEvaluate(watched, 0, {
        signal: opts.signal,
        now: () => new Date(),
        trigger: 'test',
        onEvent: (e) => {
          if (e.type === 'page') {
            pages++;
            recordsByStream.set(e.stream, e.records);
          }
          if (e.type === 'stream_finished') outcomes.push(e.outcome);
          if (e.type === 'run_finished') {
            collectMs = performance.now() - started;
            maxRssAtCollectEnd = maxRss();
            phase = 'evaluate';
          }
        },
      });
      wallMs = performance.now() - started;
      cpu = process.cpuUsage(cpu);
      elu = performance.eventLoopUtilization(elu);
    } finally {
      phase = 'close';
      await app.close();
    }
  } finally {
    clearInterval(ticker);
    peaks = memory.stop();
  }
  const maxRssAtEnd = maxRss();
  fullGc();
  const after = process.memoryUsage();
  const { run, evaluation } = result;
  const httpStats = mergeStats(contexts.map((c) => c.stats.snapshot()));
  const measured = measureDb(config.store.path, [...earlierRunIds, run.id]);
  const streamProblems = outcomes.filter((o) => o.status !== 'complete');
  opts.progress(`${opts.users} users, ${opts.label}: ${run.status} in ${(wallMs / 1000).toFixed(1)} s`);
  return {
    runId: run.id,
    status: run.status,
    streamProblems: streamProblems.map((o) => `${o.stream}: ${o.status}${o.failures.length ? ` (${[...new Set(o.failures.map((f) => f.kind))].join(', ')})` : ''}`),
    evaluated: evaluation !== null,
    openMs: started - opened,
    wallMs,
    collectMs: collectMs || wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    eventLoopUtilization: elu.utilization,
    issued: countIssued(double.requests.slice(from)),
    requestLog: double.requests.slice(from),
    httpStats,
    pacerFloorMs: pacerFloorMs(httpStats, effectiveBudgets(opts.realQuotas)),
    memory: peaks,
    maxRssBytes: maxRssAtEnd,
    maxRssReachedIn: maxRssAtEnd > maxRssAtCollectEnd ? 'evaluate' : maxRssAtCollectEnd > maxRssAtStart ? 'collect' : 'earlier',
    baselineRssBytes: before.rss,
    baselineHeapUsedBytes: before.heapUsed,
    afterRssBytes: after.rss,
    afterHeapUsedBytes: after.heapUsed,
    gcAvailable: typeof (globalThis as { gc?: unknown }).gc === 'function',
    db: measured.footprint,
    bytes: measured.runs[measured.runs.length - 1]!,
  };
}

/** A full collection when the process runs with `--expose-gc` (the bench's size workers do). */
function fullGc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function mergeStats(snapshots: HttpStatsSnapshot[]): HttpStatsSnapshot {
  if (snapshots.length === 1) return snapshots[0]!;
  const out: HttpStatsSnapshot = {};
  for (const snap of snapshots) {
    for (const [family, s] of Object.entries(snap)) {
      const t = out[family];
      if (!t) {
        out[family] = structuredClone(s);
        continue;
      }
      t.requests += s.requests;
      t.networkErrors += s.networkErrors;
      t.throttled += s.throttled;
      t.bytesReceived += s.bytesReceived;
      t.retryWaitMs += s.retryWaitMs;
      t.queueWaitMs += s.queueWaitMs;
      for (const k of Object.keys(s.responses) as (keyof typeof s.responses)[]) t.responses[k] += s.responses[k];
      for (const [k, v] of Object.entries(s.retries)) t.retries[k as keyof typeof t.retries] = (t.retries[k as keyof typeof t.retries] ?? 0) + (v ?? 0);
    }
  }
  return out;
}
