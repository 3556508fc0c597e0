import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/support/run-cli.ts';
import { loadConfig } from '../config/agent-config.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { loadMetrics } from './load-metrics.ts';
import { readRunInputs, readSnapshotInputs } from './run-inputs.ts';
import type { MetricsReport } from './types.ts';

/** The real bin against the demo tenant (about 12 s, most of it the demo's own collection). */
describe('evidentia metrics on the demo', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-metrics-demo-'));
    const demo = await runCli(['demo', '--dir', join(dir, 'demo')], { cwd: dir });
    expect(demo.code, demo.stderr).toBe(0);
  }, 120_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('--json reports the departed person still holding access as open, never as resolved', async () => {
    const res = await runCli(['metrics', '-c', join(dir, 'demo', 'demo.yaml'), '--json']);
    expect(res.code, res.stderr).toBe(0);
    const [report] = JSON.parse(res.stdout) as MetricsReport[];
    expect(report!.org).toBe('contoso');
    expect(report!.runs).toHaveLength(1);
    expect(report!.runs[0]!.mfaCoverage).toEqual(expect.any(Number));
    // The demo's leaver with an enabled Google account and an active AWS key, 30 h after leaving.
    expect(report!.leavers.filter((l) => l.value.open && l.value.hours >= 24)).toHaveLength(1);
    for (const l of report!.leavers.filter((x) => !x.value.open)) expect(report!.gaps.some((g) => g.kind === 'leaver_unmeasured' && g.detail.startsWith(l.name)) || l.measured).toBe(true);
  }, 30_000);

  it('reads the demo run from its stored inventories and gets what its snapshot gives (HR, Google, AWS, AI apps)', async () => {
    const { config } = await loadConfig(join(dir, 'demo', 'demo.yaml'));
    const store = await openSqliteStore(config.store.path, { mustExist: true });
    try {
      const org = config.organisations[0]!;
      const from: string[] = [];
      const stored = await loadMetrics(store, org, { from: null, to: null }, async (ctx, run, evaluation) => {
        const inputs = await readRunInputs(ctx, run, evaluation);
        from.push(inputs.from);
        return inputs;
      });
      expect(from).toEqual(['inventories']);
      expect(stored).toEqual(await loadMetrics(store, org, { from: null, to: null }, readSnapshotInputs));
      expect(stored.leavers.length).toBeGreaterThan(0);
      expect(stored.runs[0]!.aiOwnership?.inUse).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 30_000);
});
