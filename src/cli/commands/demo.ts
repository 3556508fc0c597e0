import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { configSchema } from '../../config/agent-config.ts';
import { startDemoTenant } from '../../../fixtures/demo/demo-tenant.ts';
import { openApp } from '../../run/app.ts';
import { collectAndEvaluate } from '../../run/pipeline.ts';
import { createProgress } from '../progress.ts';
import { renderResults } from '../../report/results-text.ts';
import { EXIT } from '../exit-codes.ts';

export interface DemoOptions {
  users: number;
  dir: string;
  unlicensed: boolean;
  signal: AbortSignal;
  now: () => Date;
  out: NodeJS.WritableStream;
}

/**
 * The whole product on a simulated tenant: a local HTTPS Microsoft Graph double (real SDKs, real
 * TLS, real paging and quirks) is started on 127.0.0.1, collected from, stored and evaluated like
 * a real tenant. Nothing leaves the machine. The store and a matching config stay in `dir`, so
 * `results`, `runs`, `evaluate` and `verify` work on the demo's evidence afterwards.
 */
export async function demoCommand(opts: DemoOptions): Promise<number> {
  const dir = resolve(opts.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const demo = await startDemoTenant({ users: opts.users, unlicensed: opts.unlicensed, now: opts.now(), dir });
  try {
    const raw = {
      store: { path: join(dir, 'demo.db') },
      log: { level: 'warn' },
      // The simulated tenant has no quotas; real tenants keep the vendor's budgets.
      http: { pacing: { 'graph-signin': { intervalCap: 100, intervalMs: 1000 }, 'graph-reports': { intervalCap: 100, intervalMs: 1000 } } },
      organisations: [demo.organisation],
    };
    const config = configSchema.parse(raw);
    const configFile = join(dir, 'demo.yaml');
    await writeFile(
      configFile,
      `# Written by \`evidentia demo\`. The simulated tenant's endpoints lived only while the demo ran,\n# so \`collect\` fails with this file; results, runs, evaluate and verify work on the stored evidence.\n${stringify(raw)}`,
      { mode: 0o600 },
    );
    const app = await openApp({ config, env: demo.env, extraCa: demo.ca });
    try {
      for (const line of demo.describe) opts.out.write(`${line}\n`);
      const { run, evaluation } = await collectAndEvaluate(app, 0, { signal: opts.signal, now: opts.now, trigger: 'demo', onEvent: createProgress() });
      if (!evaluation) return EXIT.interrupted;
      opts.out.write(`\n${renderResults(evaluation.results)}\n`);
      const rel = (p: string) => p.replace(`${process.cwd()}/`, '');
      opts.out.write(
        [
          '',
          `Evidence: run ${run.id} sealed, manifest sha256 ${run.manifestHash}, chained to ${run.previousManifestHash ? `${run.previousManifestHash.slice(0, 16)}…` : 'nothing (first run)'}.`,
          `Stored in ${rel(config.store.path)}. Try:`,
          `  npx evidentia runs -c ${rel(configFile)}`,
          `  npx evidentia results -c ${rel(configFile)} --json`,
          `  npx evidentia evaluate -c ${rel(configFile)} --run ${run.id}     # re-evaluates offline`,
          `  npx evidentia verify -c ${rel(configFile)}                       # recomputes every hash`,
          '',
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      await app.close();
    }
  } finally {
    await demo.close();
  }
}
