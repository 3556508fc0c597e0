import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { demoCommand } from '../src/cli/commands/demo.ts';
import { loadConfig } from '../src/config/agent-config.ts';
import { initSigningKeys } from '../src/export/signing-keys.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { fillRuns } from './export-fill.ts';
import type { ExportFigures, ExportWorkerInput } from './export-worker.ts';

/**
 * `npx tsx bench/export-year.ts [--runs N] [--keep]`: the demo tenant collected once (dated just
 * before the span, so its people, hire and leave dates and sign-ins are as of then), repeated
 * every 4 hours for a year (2,190 runs by default, with a 3-day hole and some interrupted runs),
 * then exported as a zip for the first quarter of that span and for all of it, each in a fresh process,
 * and verified. Prints time, CPU, peak memory and sizes; asserts nothing (see BENCHMARKS.md).
 * Memory is bounded when the year's peak RSS stays close to the quarter's.
 */
const WORKER = fileURLToPath(new URL('./export-worker.ts', import.meta.url));
const EVERY_HOURS = 4;
const DAY_MS = 86_400_000;

function parse(argv: readonly string[]): { runs: number; keep: boolean } {
  let runs = 2190;
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--keep') keep = true;
    else throw new Error(`unknown option ${argv[i]}; usage: export-year.ts [--runs N] [--keep]`);
  }
  if (!Number.isInteger(runs) || runs < 30) throw new Error('--runs: expected a whole number of at least 30');
  return { runs, keep };
}

function exportInWorker(input: ExportWorkerInput): Promise<ExportFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(WORKER, [JSON.stringify(input)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m: { type: string; figures?: ExportFigures; message?: string }) => (m.type === 'figures' ? resolve(m.figures!) : reject(new Error(m.message))));
    child.on('exit', (code) => reject(new Error(`export worker exited with ${code} without figures`)));
  });
}

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  const opts = parse(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'evidentia-bench-export-'));
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  try {
    process.stdout.write(`Evidentia export benchmark · ${cpus().length} CPUs · Node ${process.version} · load ${loadavg()[0]!.toFixed(2)} · ${opts.runs} runs every ${EVERY_HOURS} h\n`);
    const lastDay = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`) - DAY_MS;
    const start = new Date(lastDay - Math.ceil((opts.runs * EVERY_HOURS) / 24) * DAY_MS);
    // The demo tenant is generated relative to its clock: collected "now", every copy dated months
    // earlier would judge a tenant whose people were not hired yet (no human accounts to measure).
    const discard = new Writable({ write: (_c, _e, cb) => cb() });
    const demoAt = new Date(start.getTime() - EVERY_HOURS * 3_600_000);
    const demo = await demoCommand({ users: 60, dir: join(dir, 'demo'), unlicensed: false, signal: new AbortController().signal, now: () => demoAt, out: discard });
    if (demo !== 0) throw new Error(`demo failed with exit code ${demo}`);
    const configFile = join(dir, 'demo', 'demo.yaml');
    const { config } = await loadConfig(configFile);
    const store = await openSqliteStore(config.store.path, { mustExist: true });
    const t0 = performance.now();
    const stored = await fillRuns(
      store,
      config,
      // A 3-day hole a third of the way in, and one run in 500 interrupted: gaps the package must show.
      { sourceRunId: 1, runs: opts.runs, everyHours: EVERY_HOURS, start: start.toISOString(), skip: (i) => i >= Math.floor(opts.runs / 3) && i < Math.floor(opts.runs / 3) + 18, interrupted: (i) => i % 500 === 250 },
      progress,
    );
    await store.close();
    process.stdout.write(`stored ${stored} sealed, evaluated runs in ${s(performance.now() - t0)} (setup, not measured)\n`);
    const keyDir = join(dir, 'keys');
    await initSigningKeys(keyDir);
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    // A quarter of the span and the whole span: bounded memory shows as the same peak for both.
    const end = lastDay + DAY_MS;
    const periods = [
      { name: 'first quarter', from: start.toISOString(), to: `${day(start.getTime() + Math.ceil((end - start.getTime()) / 4 / DAY_MS) * DAY_MS)}T00:00:00.000Z` },
      { name: 'whole period', from: start.toISOString(), to: new Date(end).toISOString() },
    ];
    const results: (ExportFigures & { name: string })[] = [];
    for (const p of periods) {
      progress(`exporting ${p.name}`);
      const f = await exportInWorker({ configFile, keyDir, period: { from: p.from, to: p.to }, out: join(dir, `${p.name.replace(/ /g, '-')}.zip`) });
      results.push({ ...f, name: p.name });
      process.stdout.write(
        `${p.name.padEnd(14)} ${String(f.runs).padStart(5)} runs  export ${s(f.exportMs).padStart(8)} (CPU ${s(f.exportCpuMs)}, ${(f.exportMs / Math.max(1, f.runs)).toFixed(1)} ms/run)  ` +
          `peak RSS ${mb(f.maxRssAfterExportBytes)}  heap ${mb(f.peakHeapUsedBytes)}  files ${f.files} (${mb(f.bytes)}; zip ${mb(f.packageBytes)})  verify ${s(f.verifyMs)} ${f.verifyOk ? 'OK' : 'FAILED'}  gaps ${f.gaps}\n`,
      );
    }
    process.stdout.write(`${JSON.stringify({ bench: 'evidentia-export', schema: 1, at: new Date().toISOString(), runs: opts.runs, everyHours: EVERY_HOURS, exports: results })}\n`);
    if (opts.keep) process.stdout.write(`kept in ${dir}\n`);
    return results.every((r) => r.verifyOk) ? 0 : 1;
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
