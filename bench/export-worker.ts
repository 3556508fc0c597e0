import { stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { loadConfig } from '../src/config/agent-config.ts';
import { readPackage } from '../src/export/package-reader.ts';
import { loadSigningKey } from '../src/export/signing-keys.ts';
import { verifyPackage } from '../src/export/verify-package.ts';
import { writeExportPackage } from '../src/export/write-package.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { sampleMemory } from './memory-sampler.ts';

/**
 * One export in a fresh process (forked by export-year.ts), so its memory figures are the export's
 * alone. argv[2] is JSON `ExportWorkerInput`; figures go back over IPC.
 */
export interface ExportWorkerInput {
  configFile: string;
  keyDir: string;
  period: { from: string; to: string };
  out: string;
}

export interface ExportFigures {
  period: { from: string; to: string };
  runs: number;
  evaluatedRuns: number;
  gaps: number;
  files: number;
  /** Uncompressed bytes of all files. */
  bytes: number;
  /** Size of what was written (the zip). */
  packageBytes: number;
  exportMs: number;
  exportCpuMs: number;
  verifyMs: number;
  verifyOk: boolean;
  /** Kernel peak RSS after the export (before verify), and at the end. */
  maxRssAfterExportBytes: number;
  maxRssBytes: number;
  peakHeapUsedBytes: number;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as ExportWorkerInput;
  const { config } = await loadConfig(input.configFile);
  const store = await openSqliteStore(config.store.path, { mustExist: true });
  const key = await loadSigningKey(input.keyDir);
  const memory = sampleMemory(50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary = await writeExportPackage({ store, org: config.organisations[0]!, period: input.period, out: input.out, now: () => new Date(), toolVersion: 'bench', configDigest: 'bench', key, log: pino({ level: 'silent' }) });
  const exportMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const maxRssAfterExportBytes = process.resourceUsage().maxRSS * 1024;
  await store.close();
  const t1 = performance.now();
  const report = verifyPackage(await readPackage(input.out), { pinnedKeyPem: key.publicKeyPem });
  const verifyMs = performance.now() - t1;
  const peaks = memory.stop();
  const figures: ExportFigures = {
    period: input.period,
    runs: summary.runs,
    evaluatedRuns: summary.evaluatedRuns,
    gaps: summary.gaps,
    files: summary.files.length,
    bytes: summary.files.reduce((n, f) => n + f.bytes, 0),
    packageBytes: (await stat(input.out)).size,
    exportMs,
    exportCpuMs: (cpu.user + cpu.system) / 1000,
    verifyMs,
    verifyOk: report.ok,
    maxRssAfterExportBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    peakHeapUsedBytes: peaks.peakHeapUsedBytes,
  };
  await new Promise<void>((resolve) => process.send!({ type: 'figures', figures }, () => resolve()));
  process.exit(0);
}

if (!process.send) {
  process.stderr.write('bench/export-worker.ts runs only as a child of bench/export-year.ts\n');
  process.exitCode = 2;
} else {
  main().catch(async (e: unknown) => {
    await new Promise<void>((resolve) => process.send!({ type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }, () => resolve()));
    process.exit(1);
  });
}
