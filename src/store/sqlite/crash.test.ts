import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { beginInput, page, USERS } from '../store-test-fixtures.ts';
import { createSqliteHarness } from './sqlite-test-harness.ts';
import type { SqliteHarness } from './sqlite-test-harness.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

/** A real second process: concurrent writers on one file, then SIGKILL in the middle of a run. */
describe('two processes and a SIGKILL', () => {
  let h: SqliteHarness;
  beforeEach(async () => {
    h = await createSqliteHarness();
  });
  afterEach(async () => h.cleanup());

  it('writes alongside another process and leaves a consistent database when that process is killed mid-run', async () => {
    const store = await h.open();
    await store.close(); // creates and migrates the file before the child races for it
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, h.dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ready')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${err}`)));
    });
    const childRunId = Number(/run (\d+)/.exec(out)?.[1]);

    // This process writes its own run while the child keeps writing.
    const mine = await h.open();
    const own = await mine.beginRun(beginInput('beta', '2026-11-20T09:00:00Z'));
    for (let seq = 1; seq <= 20; seq++) await mine.recordPage(own.id, page(USERS, seq, `own ${seq}`));
    await mine.finishRun(own.id, { finishedAt: '2026-11-20T09:01:00Z', status: 'complete' });

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL'); // awaited, so the pid is reaped and probes as gone

    const after = await h.open();
    expect(await after.markAbandonedRuns()).toEqual([childRunId]);
    const raw = h.raw();
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const run = (await after.getRun(childRunId))!;
    expect(run.status).toBe('interrupted');
    expect(run.pageCount).toBeGreaterThanOrEqual(20);
    // Page and entities are separate transactions: at most the last page lacks its entities.
    expect(run.pageCount - run.entityCount).toBeGreaterThanOrEqual(0);
    expect(run.pageCount - run.entityCount).toBeLessThanOrEqual(1);
    const report = await after.verify();
    expect(report.ok, report.message).toBe(true);
    expect(report.pagesChecked).toBe(run.pageCount + 20);
  });
});
