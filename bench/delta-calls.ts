import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateTenant, startGraphDouble, type GraphDouble } from '../fixtures/m365/index.ts';
import { openApp } from '../src/run/app.ts';
import { collectAndEvaluate } from '../src/run/pipeline.ts';
import { benchConfig, SECRET_ENV } from './bench-config.ts';

/**
 * Calls of a full run against incremental runs (Graph delta for m365 users), on the simulated
 * tenant through the real connector, store and evaluation, with budgets that never hold a request
 * back unless asked (calls do not depend on pacing):
 *   npx tsx bench/delta-calls.ts [--users 1000,10000] [--real-quotas]
 * (`--real-quotas`: pace with the default budgets, i.e. Graph's published quotas, to see wall time.)
 * Per size: a full run that starts the delta link, an incremental run on the unchanged tenant, an
 * incremental run after 1 % of users changed (disabled), and a plain full run of the changed tenant.
 */

const arg = process.argv.indexOf('--users');
const sizes = (arg > 0 ? process.argv[arg + 1]! : '1000,10000').split(',').map(Number);
const realQuotas = process.argv.includes('--real-quotas');

interface Row {
  size: number;
  label: string;
  graphCalls: number;
  userCalls: number;
  users: number;
  ms: number;
}

async function measure(size: number): Promise<Row[]> {
  const tenant = generateTenant({ users: size });
  const double = await startGraphDouble({ tenant });
  const dir = await mkdtemp(join(tmpdir(), 'evidentia-delta-bench-'));
  const rows: Row[] = [];
  try {
    const config = benchConfig({ storePath: join(dir, 'bench.db'), tenant, double, realQuotas });
    const app = await openApp({ config, env: { [SECRET_ENV]: double.clientSecret }, extraCa: double.ca });
    try {
      const once = async (label: string, mode: 'full' | 'incremental' | undefined) => {
        const from = double.requests.length;
        const started = performance.now();
        const r = await collectAndEvaluate(app, 0, { signal: new AbortController().signal, now: () => new Date(), trigger: 'test', ...(mode ? { mode } : {}) });
        const ms = performance.now() - started;
        const calls = double.requests.slice(from).filter((q) => q.path.startsWith('/v1.0/'));
        const users = r.outcomes.find((o) => o.stream === 'users');
        if (users?.status !== 'complete') throw new Error(`${label}: users stream ${users?.status ?? 'missing'}`);
        rows.push({ size, label, graphCalls: calls.length, userCalls: calls.filter((q) => q.path.startsWith('/v1.0/users')).length, users: users.records, ms });
      };
      await once('full run (starts delta)', 'full');
      await once('incremental, unchanged tenant', 'incremental');
      changeOnePercent(double, size);
      await once('incremental, 1 % of users changed', 'incremental');
      await once('plain full run, changed tenant', undefined);
    } finally {
      await app.close();
    }
  } finally {
    await double.close();
    await rm(dir, { recursive: true, force: true });
  }
  return rows;
}

function changeOnePercent(double: GraphDouble, size: number): void {
  const n = Math.max(1, Math.round(size / 100));
  const step = Math.floor(size / n);
  for (let i = 0; i < n; i++) double.users.update(double.tenant.user(i * step).id, { accountEnabled: false });
}

const all: Row[] = [];
for (const size of sizes) all.push(...(await measure(size)));
const pad = (s: string, n: number) => s.padEnd(n);
process.stdout.write(`${pad('users', 7)}${pad('run', 36)}${pad('Graph calls', 13)}${pad('of which users', 16)}${pad('users stored', 14)}time\n`);
for (const r of all) {
  process.stdout.write(`${pad(String(r.size), 7)}${pad(r.label, 36)}${pad(String(r.graphCalls), 13)}${pad(String(r.userCalls), 16)}${pad(String(r.users), 14)}${(r.ms / 1000).toFixed(1)} s\n`);
}
