import type { RunFigures, SizeFigures, SizePlan } from './bench-size.ts';
import { DOCUMENTED_QUOTAS } from './time-floors.ts';
import { TARGETS, type Derived } from './targets.ts';

/** The human-readable report of one size: calls, time, memory, database. Plain text, fixed-width columns. */

export function table(rows: (string | number)[][], rightFrom = 1): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) => r.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}

export const int = (n: number) => n.toLocaleString('en-US');

export function bytes(n: number): string {
  const a = Math.abs(n);
  if (a >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (a >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} B`;
}

export function secs(ms: number): string {
  if (ms >= 120_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 1000).toFixed(1)} s`;
}

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;
const mark = (ok: boolean | null) => (ok === null ? '– (a run did not complete)' : ok ? 'met' : 'NOT met');

function header(s: SizePlan): string[] {
  const mode = s.realQuotas ? 'real quotas (DEFAULT_BUDGETS; the double enforces 5 reports calls per 10 s)' : 'fast (no pacing budgets, no reports quota)';
  const sh = s.shape;
  return [
    `═══ ${int(s.users)} users · ${mode} · ${s.latencyMs} ms latency per response ═══`,
    `Tenant: ${int(sh.users)} users, ${int(sh.servicePrincipals)} service principals, ${int(sh.oauth2PermissionGrants)} delegated grants, ` +
      `${int(sh.roleDefinitions)} role definitions, ${int(sh.roleAssignments)} role assignments, ${int(sh.eligibility)} eligible, ` +
      `${int(sh.appRoleAssignments)} app role assignments on ${int(sh.distinctResources)} resource(s)`,
  ];
}

/** `--plan`: the least a size can cost, computed, nothing run. */
export function renderPlan(s: SizePlan): string {
  const rows: (string | number)[][] = [['API calls per run', 'minimum', 'min on double']];
  for (const f of Object.keys(s.minimum) as (keyof SizePlan['minimum'])[]) {
    if (s.minimum[f] > 0) rows.push([f, s.minimum[f], s.minimumOnDouble[f]]);
  }
  rows.push(['total', sum(s.minimum), sum(s.minimumOnDouble)]);
  const perRun = Math.max(s.estimatedFloorMs, s.expectedPacerFloorMs);
  return [
    ...header(s),
    '',
    table(rows),
    '',
    `quota floor (Microsoft's quotas on the minimum calls): ${secs(s.quotaFloorMs)}${s.realQuotas ? '' : ' — not applied in --fast'}`,
    `pacer floor (our DEFAULT_BUDGETS on the double's minimum calls): ${s.realQuotas ? secs(s.expectedPacerFloorMs) : '– (--fast)'}`,
    `latency floor (longest chain of dependent calls × ${s.latencyMs} ms): ${secs(s.latencyFloorMs)}`,
    `=> one run takes at least ${secs(perRun)}; the benchmark's two runs at least ${secs(2 * perRun)}.`,
  ].join('\n');
}

export function renderSize(s: SizeFigures, d: Derived): string {
  const out: string[] = header(s);
  for (const r of s.runs) {
    if (r.status !== 'complete' || r.streamProblems.length) out.push(`! run ${r.runId} ${r.status}${r.streamProblems.length ? `: ${r.streamProblems.join('; ')}` : ''}`);
  }
  out.push('', callsSection(s, d), '', timeSection(s), '', memorySection(s), '', dbSection(s, d), '', targetsSection(s, d));
  return out.join('\n');
}

function callsSection(s: SizeFigures, d: Derived): string {
  const [r1, r2] = s.runs;
  const rows: (string | number)[][] = [['API calls (run 1)', 'run 1', 'run 2', 'minimum', 'min on double', 'ratio', '429s', '']];
  for (const f of d.families) {
    const ratio = f.ratio === null ? '–' : Number.isFinite(f.ratio) ? `${f.ratio.toFixed(2)}×` : '∞';
    const flag = f.ratio !== null && f.ratio > TARGETS.callsOverMinimum ? (f.issued > f.minimumOnDouble * TARGETS.callsOverMinimum ? '◀ over' : '(short pages)') : '';
    const t429 = (r1?.issued.throttled[f.family] ?? 0) + (r2?.issued.throttled[f.family] ?? 0);
    rows.push([f.family, f.issued, r2?.issued.calls[f.family] ?? '–', f.minimum, f.minimumOnDouble, ratio, t429, flag]);
  }
  rows.push(['total', d.totalIssued, r2 ? sum(r2.issued.calls) : '–', d.totalMinimum, d.totalMinimumOnDouble, `${d.ratio.toFixed(2)}×`, d.throttled, '']);
  return [
    table(rows),
    `minimum = ceil(items / largest page): users 500 (signInActivity selected), userRegistrationDetails 1,000 (the double's page size;`,
    `Microsoft documents none), directory collections 999, roleDefinitions 1 (unpaged), appRoleAssignments one call per service`,
    `principal, servicePrincipal-by-id one per distinct resource, token 2 (OpenID metadata + token). "min on double" adds the double's short pages (every`,
    `third page ~10 % short, as Graph does), which no client can avoid. ◀ over = above both minimums by more than 5 %.`,
  ].join('\n');
}

function timeSection(s: SizeFigures): string {
  const rows: (string | number)[][] = [['Time', ...s.runs.map((_, i) => `run ${i + 1}`)]];
  rows.push(['open the app (not counted below)', ...s.runs.map((r) => secs(r.openMs))]);
  rows.push(['wall (collect + evaluate)', ...s.runs.map((r) => secs(r.wallMs))]);
  rows.push(['  collect', ...s.runs.map((r) => secs(r.collectMs))]);
  rows.push(['  evaluate and store results', ...s.runs.map((r) => secs(r.wallMs - r.collectMs))]);
  rows.push(['pacer floor (our budgets, calls sent)', ...s.runs.map((r) => secs(r.pacerFloorMs))]);
  rows.push(['overhead above floors', ...s.runs.map((r) => secs(r.collectMs - Math.max(r.pacerFloorMs, s.latencyFloorMs, s.realQuotas ? s.quotaFloorMs : 0)))]);
  rows.push(['CPU (agent + in-process double)', ...s.runs.map((r) => `${secs(r.cpuMs)}, loop busy ${Math.round(r.eventLoopUtilization * 100)} %`)]);
  if (s.doubleBaseline) {
    const b = s.doubleBaseline;
    rows.push([`  of which the double + TLS (replay)`, ...s.runs.map(() => secs(b.cpuMs))]);
    rows.push([`  agent's own CPU (difference)`, ...s.runs.map((r) => secs(r.cpuMs - b.cpuMs))]);
  }
  for (const family of families(s.runs)) {
    rows.push([`${family}: sent / queued / retry wait`, ...s.runs.map((r) => statLine(r, family))]);
  }
  const q = DOCUMENTED_QUOTAS;
  rows.push([`busiest window: users+signIn per 60 s / reports per 10 s`, ...s.runs.map((r) => `${r.issued.busiest.signInPer60s} (quota ${q.signIn.cap}) / ${r.issued.busiest.reportsPer10s} (quota ${q.reports.cap})`)]);
  return [
    table(rows),
    `quota floor: ${secs(s.quotaFloorMs)} = Microsoft's quotas on the minimum calls (users+signInActivity ${q.signIn.cap}/min on ${s.minimum.users} pages; ` +
      `reports ${q.reports.cap}/${q.reports.windowMs / 1000} s on ${s.minimum.userRegistrationDetails} pages)${s.realQuotas ? '' : ' — not applied in --fast'}.`,
    `latency floor: ${secs(s.latencyFloorMs)} = longest chain of dependent calls (token, then app-role-assignments: SP list → each SP → resource) × ${s.latencyMs} ms.`,
    `queued = time requests waited for the pacer, summed over requests (they wait side by side, so it can exceed wall time).`,
    ...(s.doubleBaseline
      ? [`replay: run 1's ${int(s.doubleBaseline.requests)} Graph GETs sent again one by one with a bare HTTPS client (${bytes(s.doubleBaseline.bodyBytes)} of bodies, ${secs(s.doubleBaseline.wallMs)}), measuring the double's own share of the CPU.`]
      : []),
  ].join('\n');
}

function memorySection(s: SizeFigures): string {
  const rows: (string | number)[][] = [['Memory (one process per size, incl. the double)', ...s.runs.map((_, i) => `run ${i + 1}`)]];
  rows.push(['peak RSS, kernel max (reached in)', ...s.runs.map((r) => `${bytes(r.maxRssBytes)} (${r.maxRssReachedIn})`)]);
  rows.push(['peak RSS, sampled (phase)', ...s.runs.map((r) => `${bytes(r.memory.peakRssBytes)} (${r.memory.phaseAtPeakRss})`)]);
  rows.push(['peak heap used, sampled (phase)', ...s.runs.map((r) => `${bytes(r.memory.peakHeapUsedBytes)} (${r.memory.phaseAtPeakHeap})`)]);
  const gc = s.runs.every((r) => r.gcAvailable) ? ' (after full GC)' : '';
  rows.push([`RSS / heap before the run${gc}`, ...s.runs.map((r) => `${bytes(r.baselineRssBytes)} / ${bytes(r.baselineHeapUsedBytes)}`)]);
  rows.push([`RSS / heap after the run${gc}`, ...s.runs.map((r) => `${bytes(r.afterRssBytes)} / ${bytes(r.afterHeapUsedBytes)}`)]);
  rows.push(['samples (every 50 ms)', ...s.runs.map((r) => r.memory.samples)]);
  return [
    table(rows),
    'Sampling runs on the main thread, so it cannot see inside synchronous work (sealing, evaluation); the kernel max can.',
    '"close" = the last sample, taken after the app closed and before any GC: garbage left by evaluation shows there.',
  ].join('\n');
}

function dbSection(s: SizeFigures, d: Derived): string {
  const [r1, r2] = s.runs;
  if (!r1) return 'Database: no run finished.';
  const out = [`Database after run 1: ${bytes(r1.db.totalBytes)} (checkpointed; WAL ${bytes(r1.db.walBytes)}; ${bytes(r1.db.freeBytes)} of free pages SQLite reuses before growing the file)`];
  if (!r2 || d.run2AddedBytes === null || d.run2Share === null) return out.join('\n');
  out.push(`Added by run 2 on the unchanged tenant: ${bytes(d.run2AddedBytes)} = ${pct(d.run2Share)} of run 1 (target < ${pct(TARGETS.secondRunShare)})`);
  // Run 2's pending entities are freed when it is sealed and nothing written after reuses them
  // (run 1's were reused by its new results); the next run's pending rows go there first.
  const inUse = d.run2AddedBytes - (r2.db.freeBytes - r1.db.freeBytes);
  out.push(
    `  of which ${bytes(r2.db.freeBytes - r1.db.freeBytes)} are free pages (run 2's pending entities, freed at sealing) that SQLite reuses before growing the file; ` +
      `in use: ${bytes(inUse)} = ${pct(inUse / r1.db.totalBytes)} of run 1`,
  );
  const names = [...new Set([...Object.keys(r1.db.tables), ...Object.keys(r2.db.tables)])];
  const rows: (string | number)[][] = [['table (+ its indexes)', 'bytes after run 1', 'added by run 2', 'rows after run 1', 'rows added']];
  for (const n of names.sort((a, b) => (r2.db.tables[b]?.bytes ?? 0) - (r2.db.tables[a]?.bytes ?? 0))) {
    const a = r1.db.tables[n];
    const b = r2.db.tables[n];
    rows.push([n, a?.bytes == null ? '?' : bytes(a.bytes), b?.bytes == null || a?.bytes == null ? '?' : bytes(b.bytes - a.bytes), a?.rows ?? 0, (b?.rows ?? 0) - (a?.rows ?? 0)]);
  }
  out.push(table(rows));
  const b1 = r1.bytes;
  const b2 = r2.bytes;
  out.push(
    `Run 1 stored ${int(b1.newBlobs)} response bodies (${bytes(b1.newBlobBytes)}); run 2 referenced ${bytes(b2.referencedBlobBytes)} of bodies ` +
      `and stored ${int(b2.newBlobs)} new (${bytes(b2.newBlobBytes)}): identical bodies are kept once by SHA-256.`,
    `Run 1 stored ${int(b1.newEntitySets)} entity sets (${bytes(b1.newEntityJsonBytes)} of entities); run 2 referenced ${int(b2.entities)} entities ` +
      `(${bytes(b2.entityJsonBytes)}) and stored ${int(b2.newEntitySets)} new sets (${bytes(b2.newEntityJsonBytes)} of new entities): a stream's entities are kept once per content.`,
    `Per run regardless of change: ${int(b2.pages)} page rows, ${int(b2.entities)} entities (${bytes(b2.entityJsonBytes)} of canonical JSON), ` +
      `outcomes ${bytes(b2.outcomeJsonBytes)}, results ${bytes(b2.evaluationJsonBytes)}, manifest ${bytes(b2.manifestJsonBytes)}.`,
  );
  return out.join('\n');
}

function targetsSection(s: SizeFigures, d: Derived): string {
  const rows: (string | number)[][] = [['Target', 'measured', 'status']];
  rows.push([`calls within 5 % of the API minimum`, `${d.ratio.toFixed(3)}× (${d.ratioOnDouble.toFixed(3)}× of min on double)`, `${mark(d.targets.calls)}${!d.targets.calls && d.targets.callsOnDouble ? ' (met on the double)' : ''}`]);
  rows.push([`no 429 ${s.realQuotas ? 'within quotas' : '(quotas off)'}`, `${d.throttled}`, mark(d.targets.no429)]);
  rows.push([
    'requests within the documented quotas',
    `busiest ${d.busiestSignInPer60s}/60 s users+signIn (max ${DOCUMENTED_QUOTAS.signIn.cap}), ${d.busiestReportsPer10s}/10 s reports (max ${DOCUMENTED_QUOTAS.reports.cap})`,
    s.realQuotas ? mark(d.targets.withinQuotas) : `${mark(d.targets.withinQuotas)} (pacing off)`,
  ]);
  rows.push([`peak RSS < 512 MB${s.users === 100_000 ? '' : ' (set for 100k users)'}`, bytes(d.peakRssBytes), mark(d.targets.memory)]);
  rows.push(['run 2 adds < 2 % of run 1', d.run2Share === null ? '–' : pct(d.run2Share), mark(d.targets.secondRun)]);
  return table(rows, 99);
}

function families(runs: RunFigures[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.httpStats)))].sort();
}

function statLine(r: RunFigures, family: string): string {
  const s = r.httpStats[family];
  if (!s) return '–';
  return `${s.requests} / ${secs(s.queueWaitMs)} / ${secs(s.retryWaitMs)}`;
}

function sum(c: Record<string, number>): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}
