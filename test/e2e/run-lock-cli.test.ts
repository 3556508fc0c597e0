import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { generateDoubleTls, generateTenant, m365ConfigBlock, startGraphDouble, type GraphDouble } from '../../fixtures/m365/index.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { RunRecord } from '../../src/store/evidence-store.ts';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { startFaultProxy, type FaultProxy } from '../fault/fault-proxy.ts';
import { runCli, spawnCli } from '../support/run-cli.ts';

/**
 * Two real `evidentia collect` processes on one SQLite file. The first is held mid-collection by a
 * proxy in front of the Graph double that keeps its Graph requests waiting until the test lets
 * them go; meanwhile a second `collect` of the same organisation must refuse (exit 7, one line,
 * nothing stored) while another organisation proceeds. A SIGKILLed holder's lock is taken over.
 */
const SECRET_ENV = 'RUNLOCK_M365_SECRET';
const FAST = { 'graph-signin': { intervalCap: 1000, intervalMs: 1000 }, 'graph-reports': { intervalCap: 1000, intervalMs: 1000 } };

let dir: string;
let double: GraphDouble;
let proxy: FaultProxy;
let config: string;
let dbPath: string;
const env = () => ({ [SECRET_ENV]: double.clientSecret });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'evidentia-runlock-'));
  const tls = await generateDoubleTls();
  double = await startGraphDouble({ tenant: generateTenant({ users: 12, seed: 5 }), tls });
  proxy = await startFaultProxy({ target: double.graphBaseUrl, tls: { ...tls, ca: double.ca } });
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, double.ca);
  await writeFile(
    join(dir, 'roster.csv'),
    'employee_id,work_email,display_name,status,hire_date,termination_date,manager_email\r\nE1,ann@beta.test,Ann Example,active,2024-01-02,,\r\n',
  );
  config = join(dir, 'runlock.yaml');
  dbPath = join(dir, 'runlock.db');
  const m365 = m365ConfigBlock(double, { id: 'm365-main', secretEnv: SECRET_ENV });
  await writeFile(
    config,
    stringify({
      store: { path: 'runlock.db' },
      http: { caFile, pacing: FAST },
      organisations: [
        { id: 'acme', name: 'Acme', connectors: [{ ...m365, endpoints: { graph: proxy.origin, authority: double.authorityHost } }] },
        { id: 'beta', name: 'Beta', connectors: [{ type: 'hr-csv', id: 'roster', file: './roster.csv', timezone: 'UTC' }] },
      ],
    }),
  );
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await double?.close();
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => proxy.setRules([]));

/** Holds every Graph request at the proxy until `release()`; `reached()` once one is being held. */
function holdGraph(): { release: () => void; reached: () => boolean } {
  let release!: () => void;
  const until = new Promise<void>((r) => (release = r));
  const from = proxy.requests.length;
  proxy.setRules([{ match: () => true, action: { kind: 'hold', until } }]);
  return { release, reached: () => proxy.requests.slice(from).some((r) => r.did === 'hold') };
}

async function until(what: string, probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function runsOf(org: string): Promise<RunRecord[]> {
  const store = await openSqliteStore(dbPath, { mustExist: true });
  try {
    return await store.listRuns({ org });
  } finally {
    await store.close();
  }
}

function lockRows(): Array<{ org: string; pid: number; command: string }> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare<[], { org: string; pid: number; command: string }>('SELECT org, pid, command FROM run_locks ORDER BY org').all();
  } finally {
    db.close();
  }
}

describe('one collection per organisation at a time, across processes', () => {
  it('refuses a second collect of a held organisation with exit 7 and stores nothing; another organisation proceeds', async () => {
    const hold = holdGraph();
    const first = spawnCli(['collect', '--org', 'acme', '-c', config], { cwd: dir, env: env() });
    try {
      // The first process asks Graph only once it holds the lock: a held request means it is mid-collection.
      await until('the first collect to reach Graph', hold.reached);
      const firstRun = (await runsOf('acme'))[0]!;
      expect(firstRun.status).toBe('running');

      const second = await runCli(['collect', '--org', 'acme', '-c', config], { cwd: dir, env: env() });
      expect(second.code, second.stderr).toBe(EXIT.locked);
      const lines = second.stderr.split('\n').filter((l) => l.startsWith('evidentia: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^evidentia: organisation acme is already being collected by evidentia collect \\(pid ${first.child.pid} on \\S+, since \\d{4}-\\d\\d-\\d\\dT[^)]+\\); nothing was collected for it now\\. Let that run finish and try again`));
      expect(second.stdout).toBe('');
      expect((await runsOf('acme')).map((r) => r.id)).toEqual([firstRun.id]);

      // All organisations: the held one is skipped and reported, the other is collected.
      const all = await runCli(['collect', '-c', config, '--json'], { cwd: dir, env: env() });
      expect(all.code, all.stderr).toBe(EXIT.locked);
      expect(all.stderr).toMatch(/^evidentia: organisation acme is already being collected/m);
      expect((JSON.parse(all.stdout) as Array<{ org: string }>).map((r) => r.org)).toEqual(['beta']);
      const [beta] = await runsOf('beta');
      expect(beta?.manifestHash).toMatch(/^[0-9a-f]{64}$/);
      expect((await runsOf('acme')).map((r) => r.id)).toEqual([firstRun.id]);
      expect(lockRows()).toEqual([{ org: 'acme', pid: first.child.pid, command: 'evidentia collect' }]);
    } finally {
      hold.release();
    }
    const done = await first.done;
    expect(done.code, done.stderr).toBe(EXIT.findings);
    expect((await runsOf('acme'))[0]).toMatchObject({ status: 'complete' });
    // Released at the end: nothing left behind, and the next collect of acme runs.
    expect(lockRows()).toEqual([]);
  }, 90_000);

  it('frees the lock when a held collect is stopped with SIGTERM (exit 130)', async () => {
    const hold = holdGraph();
    const stopped = spawnCli(['collect', '--org', 'acme', '-c', config], { cwd: dir, env: env() });
    try {
      await until('the collect to reach Graph', hold.reached);
      expect(lockRows()).toEqual([{ org: 'acme', pid: stopped.child.pid, command: 'evidentia collect' }]);
      // Let Graph answer only once the child has taken the signal, so the run cannot finish first.
      const heard = new Promise<void>((resolve) => stopped.child.stderr!.on('data', (d: Buffer) => d.toString().includes('SIGTERM') && resolve()));
      stopped.child.kill('SIGTERM');
      await heard;
    } finally {
      hold.release();
    }
    const done = await stopped.done;
    expect(done.code, done.stderr).toBe(EXIT.interrupted);
    expect((await runsOf('acme'))[0]).toMatchObject({ status: 'interrupted' });
    expect(lockRows()).toEqual([]);
  }, 90_000);

  it('takes over the lock of a SIGKILLed holder, saying whose it was', async () => {
    const hold = holdGraph();
    const doomed = spawnCli(['collect', '--org', 'acme', '-c', config], { cwd: dir, env: env() });
    let killedPid: number;
    try {
      await until('the collect to reach Graph', hold.reached);
      killedPid = doomed.child.pid!;
      expect(lockRows()).toEqual([{ org: 'acme', pid: killedPid, command: 'evidentia collect' }]);
      doomed.child.kill('SIGKILL');
      expect((await doomed.done).signal).toBe('SIGKILL');
    } finally {
      proxy.setRules([]);
      hold.release();
    }
    const next = await runCli(['collect', '--org', 'acme', '-c', config], { cwd: dir, env: env() });
    expect(next.code, next.stderr).toBe(EXIT.findings);
    const takeover = next.stderr.split('\n').filter((l) => l.includes('took over the run lock')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(takeover).toHaveLength(1);
    expect(takeover[0]).toMatchObject({ org: 'acme', why: 'process_gone', heldBy: { pid: killedPid, command: 'evidentia collect' } });
    const [latest, killed] = await runsOf('acme');
    expect(latest).toMatchObject({ status: 'complete' });
    expect(killed).toMatchObject({ status: 'interrupted' });
    expect(lockRows()).toEqual([]);
    const verify = await runCli(['verify', '-c', config], { cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  }, 90_000);
});
