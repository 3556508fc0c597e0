import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BenchUsageError, parseArgs, USAGE, type BenchOptions } from './args.ts';
import { planSize, type SizeFigures, type SizePlan } from './bench-size.ts';
import { runSizeInWorker, type RunningSize } from './run-worker.ts';
import { renderPlan, renderSize } from './render.ts';
import { derive } from './targets.ts';

/**
 * `npm run bench`: collects simulated tenants of each size twice through the real pipeline and
 * prints what it cost (calls vs the API's minimum, time vs the quotas' floor, 429s, memory,
 * database bytes). It prints figures and never asserts them; see BENCHMARKS.md.
 */

async function main(argv: readonly string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof BenchUsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let interrupted = false;
  let current: RunningSize | undefined;
  let currentDir: string | undefined;
  const onSignal = () => {
    if (interrupted) {
      current?.kill();
      if (currentDir && !opts.keep) rmSync(currentDir, { recursive: true, force: true });
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write('\nbench: interrupted; finishing the current run as interrupted (press again to quit now)\n');
    current?.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryBytes: totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverageAtStart: loadavg()[0]!,
  };
  process.stdout.write(
    `Evidentia benchmark · ${machine.cpus} CPUs (${machine.cpuModel}) · Node ${machine.node} · ${new Date().toISOString()}` +
      `${opts.heapLimitMb ? ` · --max-old-space-size=${opts.heapLimitMb}` : ''}\n` +
      `${loadWarning(machine.loadAverageAtStart, machine.cpus, 'at start')}\n`,
  );

  if (opts.plan) {
    const plans: SizePlan[] = opts.sizes.map((users) => planSize({ users, latencyMs: opts.latencyMs, realQuotas: opts.realQuotas }).plan);
    for (const p of plans) process.stdout.write(`${renderPlan(p)}\n\n`);
    process.stdout.write(`${JSON.stringify({ bench: 'evidentia', schema: 1, at: new Date().toISOString(), machine, options: opts, plans })}\n`);
    return 0;
  }

  const sizes: (SizeFigures & { derived: ReturnType<typeof derive>; loadAverageAtEnd: number })[] = [];
  let crashed = false;
  for (const users of opts.sizes) {
    if (interrupted) break;
    // Made here, not in the worker, so it is removed even when the worker crashes or is killed.
    const dir = await mkdtemp(join(tmpdir(), 'evidentia-bench-'));
    currentDir = dir;
    try {
      // Each size in a fresh process: memory figures must not include what the previous size left.
      current = runSizeInWorker({ users, latencyMs: opts.latencyMs, realQuotas: opts.realQuotas, dir }, opts.heapLimitMb);
      const figures = await current.figures;
      const derived = derive(figures);
      const loadAverageAtEnd = loadavg()[0]!;
      sizes.push({ ...figures, derived, loadAverageAtEnd });
      process.stdout.write(
        `${renderSize(figures, derived)}\n${loadWarning(loadAverageAtEnd, machine.cpus, `after ${users} users`)}` +
          `${opts.keep ? `Evidence kept in ${dir}\n` : ''}\n`,
      );
    } catch (e) {
      crashed = true;
      process.stderr.write(`bench: ${users} users crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    } finally {
      current = undefined;
      currentDir = undefined;
      if (!opts.keep) await rm(dir, { recursive: true, force: true });
    }
  }

  const json = { bench: 'evidentia', schema: 1, at: new Date().toISOString(), machine, options: opts, sizes };
  process.stdout.write(`${JSON.stringify(json, (_, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`);
  if (interrupted) return 130;
  return crashed ? 1 : 0;
}

/** Timings only mean something on a quiet machine: say how busy it was (the bench itself keeps about one core busy). */
function loadWarning(load: number, cpus: number, when: string): string {
  const busy = load > cpus;
  return `1-min load average ${when}: ${load.toFixed(2)} on ${cpus} CPUs${busy ? ' — other work competes for the CPUs: timings are inflated, counts and bytes are not' : ''}\n`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: crashed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
