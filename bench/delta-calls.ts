import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateTenant, GRAPH_APP_ID, newServicePrincipal, startGraphDouble, type GraphDouble } from '../fixtures/m365/index.ts';
import { openApp } from '../src/run/app.ts';
import { collectAndEvaluate } from '../src/run/pipeline.ts';
import { benchConfig, SECRET_ENV } from './bench-config.ts';
import { familyOf, zeroCounts, type FamilyCounts } from './call-counts.ts';

/**
 * Calls of a full run against incremental runs (Graph delta for m365 users, service principals and
 * delegated grants; application permissions re-read only for apps that delta or the directory
 * audit log name), on the simulated tenant through the real connector, store and evaluation, with
 * budgets that never hold a request back unless asked (calls do not depend on pacing):
 *   npx tsx bench/delta-calls.ts [--users 1000,10000] [--real-quotas]
 * (`--real-quotas`: pace with the default budgets, i.e. Graph's published quotas, to see wall time.)
 * Per size: a full run that starts the delta links, an incremental run on the unchanged tenant, one
 * after 1 % of users changed (disabled), one after a few app changes (two permissions granted, one
 * revoked, one app added with a permission, one consent), and a plain full run of the changed tenant.
 * Every call the double saw is counted, per endpoint family (a delta query counts with its collection).
 */

const arg = process.argv.indexOf('--users');
const sizes = (arg > 0 ? process.argv[arg + 1]! : '1000,10000').split(',').map(Number);
const realQuotas = process.argv.includes('--real-quotas');

interface Row {
  size: number;
  label: string;
  calls: FamilyCounts;
  total: number;
  users: number;
  apps: number;
  permissions: number;
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
        const calls = zeroCounts();
        for (const q of double.requests.slice(from)) calls[familyOf(q.path)]++;
        const records = (stream: string) => {
          const o = r.outcomes.find((x) => x.stream === stream);
          if (o?.status !== 'complete') throw new Error(`${label}: ${stream} stream ${o?.status ?? 'missing'}`);
          return o.records;
        };
        const total = Object.values(calls).reduce((a, b) => a + b, 0);
        rows.push({ size, label, calls, total, users: records('users'), apps: records('service-principals'), permissions: records('app-role-assignments'), ms });
      };
      await once('full run (starts delta)', 'full');
      await once('incremental, unchanged tenant', 'incremental');
      changeOnePercent(double, size);
      await once('incremental, 1 % of users changed', 'incremental');
      changeAFewApps(double);
      await once('incremental, a few app changes', 'incremental');
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

function changeAFewApps(double: GraphDouble): void {
  const apps = double.apps.servicePrincipals.filter((sp) => sp.appId !== GRAPH_APP_ID);
  const holder = apps.find((sp) => (double.apps.appRoleAssignments(sp.id) ?? []).length > 0)!;
  double.apps.addAppRoleAssignment(apps[3]!.id, 'Mail.Read');
  double.apps.addAppRoleAssignment(apps[9]!.id, 'Files.Read.All');
  double.apps.removeAppRoleAssignment(holder.id, double.apps.appRoleAssignments(holder.id)![0]!.id);
  const fresh = newServicePrincipal(1, apps[0]!);
  double.apps.addServicePrincipal(fresh);
  double.apps.addAppRoleAssignment(fresh.id, 'User.Read.All');
  double.apps.addDelegatedGrant(apps[5]!.id, 'User.Read');
}

const all: Row[] = [];
for (const size of sizes) all.push(...(await measure(size)));
const columns: Array<[string, (r: Row) => string | number]> = [
  ['users', (r) => r.size],
  ['run', (r) => r.label],
  ['total', (r) => r.total],
  ['users', (r) => r.calls.users],
  ['mfaReport', (r) => r.calls.userRegistrationDetails],
  ['roles', (r) => r.calls.roleDefinitions + r.calls.roleAssignments + r.calls.eligibility],
  ['apps', (r) => r.calls.servicePrincipals],
  ['grants', (r) => r.calls.oauth2PermissionGrants],
  ['appPerms', (r) => r.calls.appRoleAssignments],
  ['resource', (r) => r.calls['servicePrincipal-by-id']],
  ['audit', (r) => r.calls.directoryAudits],
  ['token', (r) => r.calls.token + r.calls.other],
  ['stored u/a/p', (r) => `${r.users}/${r.apps}/${r.permissions}`],
  ['time', (r) => `${(r.ms / 1000).toFixed(1)} s`],
];
const widths = columns.map(([h, f]) => Math.max(h.length, ...all.map((r) => String(f(r)).length)) + 2);
process.stdout.write(columns.map(([h], i) => h.padEnd(widths[i]!)).join('') + '\n');
for (const r of all) process.stdout.write(columns.map(([, f], i) => String(f(r)).padEnd(widths[i]!)).join('') + '\n');
