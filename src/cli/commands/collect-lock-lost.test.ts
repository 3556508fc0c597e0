import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../config/agent-config.ts';
import { openApp, type App } from '../../run/app.ts';
import { losingRunLock } from '../../../test/support/lose-run-lock.ts';
import { EXIT } from '../exit-codes.ts';
import { collectCommand } from './collect.ts';

/**
 * `evidentia collect` whose run lock is taken over by another process mid-run (its lease lapsed
 * while it was busy): real HR roster collection and real SQLite; the takeover is a write to the
 * lock row, as the other process's acquisition would make, done while acme's first page is stored
 * (test/support/lose-run-lock.ts).
 */
describe('collect when another process takes its run lock over', () => {
  let dir: string;
  let dbPath: string;
  let app: App;
  let logged: Array<Record<string, unknown>>;
  let stderr: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-lock-lost-'));
    dbPath = join(dir, 'evidence.db');
    await writeFile(join(dir, 'roster.csv'), 'employee_id,work_email,display_name,status,hire_date,termination_date,manager_email\r\nE1,ann@acme.test,Ann Example,active,2024-01-02,,\r\n');
    const roster = { type: 'hr-csv', id: 'roster', file: join(dir, 'roster.csv'), timezone: 'UTC' };
    const config = parseConfigText(stringify({
      store: { path: dbPath },
      organisations: [{ id: 'acme', name: 'Acme', connectors: [roster] }, { id: 'beta', name: 'Beta', connectors: [roster] }],
    }));
    logged = [];
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logged.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) });
    const opened = await openApp({ config, logLevel: 'silent' });
    app = { ...opened, store: losingRunLock(opened.store, { dbPath, org: 'acme', noticed: () => logged.some((l) => l.msg === 'the run lock was taken over by another process; stopping this run') }), log: pino({ level: 'warn' }, sink), runLock: { leaseMs: 60_000, renewEveryMs: 5 } };
    stderr = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (stderr.push(String(chunk)), true));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says which organisation lost its lock to whom, stores that run interrupted, collects the others and exits 7', async () => {
    const out: string[] = [];
    const code = await collectCommand(app, {
      signal: new AbortController().signal,
      now: () => new Date(),
      out: new Writable({ write: (c: Buffer, _e, d) => (out.push(c.toString()), d()) }),
      json: true,
    });
    expect(code).toBe(EXIT.locked);
    const lines = stderr.join('').split('\n').filter((l) => l.startsWith('evidentia: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^evidentia: organisation acme: the run lock was taken over by evidentia daemon \(pid 4242 on host-b, since [^)]+\) while this run was collecting/);
    // beta was still collected and reported; acme's run is kept as interrupted, never evaluated.
    expect((JSON.parse(out.join('')) as Array<{ org: string }>).map((r) => r.org)).toEqual(['beta']);
    expect((await app.store.listRuns({ org: 'acme' })).map((r) => r.status)).toEqual(['interrupted']);
    expect((await app.store.listRuns({ org: 'beta' })).map((r) => r.status)).toEqual(['complete']);
    // The new holder's lock is left alone.
    expect(await app.store.runLockHolder('acme')).toMatchObject({ holderId: 'taken-over', pid: 4242 });
  }, 20_000);
});
