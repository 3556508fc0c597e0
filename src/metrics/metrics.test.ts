import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRules } from '../../rules/index.ts';
import { GLOBAL_ADMIN_TEMPLATE } from '../../rules/privileged-count.ts';
import { chatgpt, claude, grant, METRICS_CONFIG as CONFIG } from './metrics-test-fixtures.ts';
import { main } from '../cli/main.ts';
import { parseConfigText } from '../config/agent-config.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { Entity, EntityKind } from '../core/model.ts';
import { evaluateStoredRun } from '../evaluate/evaluate-run.ts';
import { createAccount, createMfa, createRoleAssignment } from '../evaluate/test-factories.ts';
import { recordM365Streams } from '../../test/support/seed-run.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { loadMetrics } from './load-metrics.ts';
import type { MetricsReport } from './types.ts';


const LEFT_AT = '2026-09-29T09:00:00.000Z';

interface RunSpec {
  startedAt: string;
  leeEnabled: boolean;
  admins: string[];
  apps: 'claude' | 'both';
  /** Leave out the MFA stream: mfa-coverage becomes not_evaluable. */
  noMfa?: boolean;
}

/** One sealed, evaluated run built through the store API, evaluated by the real rules. */
async function addRun(store: EvidenceStore, config: AgentConfig, spec: RunSpec): Promise<number> {
  const run = await store.beginRun({ org: 'contoso', startedAt: spec.startedAt, toolVersion: '0.1.0', configDigest: 'c'.repeat(64), trigger: 'test' });
  const users = ['ann', 'bob', 'cy'].map((n) => createAccount({ key: `u-${n}`, username: `${n}@contoso.com` }));
  const lee = createAccount({ key: 'u-lee', username: 'lee@contoso.com', enabled: spec.leeEnabled, leaveDate: LEFT_AT });
  const apps = spec.apps === 'both' ? [claude, chatgpt, grant(claude, 'u-ann'), grant(chatgpt, 'u-bob')] : [claude, grant(claude, 'u-ann')];
  const streams: [EntityKind, Entity[]][] = [
    ['account', [...users, lee]],
    ['role_assignment', spec.admins.map((u) => createRoleAssignment({ key: `ga-${u}`, principalKey: `u-${u}`, principalName: `${u}@contoso.com`, roleId: GLOBAL_ADMIN_TEMPLATE, roleName: 'Global Administrator' }))],
    ['app', apps.filter((e) => e.kind === 'app')],
    ['app_grant', apps.filter((e) => e.kind === 'app_grant')],
  ];
  if (!spec.noMfa) streams.push(['mfa', [...users, lee].map((a) => createMfa({ key: `mfa-${a.key}`, accountKey: a.key, registered: a.key !== 'u-cy' }))]);
  await recordM365Streams(store, run, streams);
  await store.finishRun(run.id, { finishedAt: spec.startedAt, status: 'complete' });
  await evaluateStoredRun(store, run.id, config, allRules, () => new Date(spec.startedAt));
  return run.id;
}

describe('metrics over stored runs', () => {
  let dir: string;
  let configFile: string;
  let config: AgentConfig;
  let report: MetricsReport;
  const ids: number[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-metrics-'));
    const storePath = join(dir, 'evidence.db');
    configFile = join(dir, 'evidentia.yaml');
    await writeFile(configFile, CONFIG(storePath));
    config = parseConfigText(CONFIG(storePath));
    const store = await openSqliteStore(storePath);
    ids.push(await addRun(store, config, { startedAt: '2026-09-28T09:00:00.000Z', leeEnabled: true, admins: ['ann', 'bob'], apps: 'claude' }));
    ids.push(await addRun(store, config, { startedAt: '2026-09-30T09:00:00.000Z', leeEnabled: true, admins: ['ann', 'bob'], apps: 'both' }));
    // Lee's account is disabled by the third run: 48 h after leaving.
    ids.push(await addRun(store, config, { startedAt: '2026-10-01T09:00:00.000Z', leeEnabled: false, admins: ['ann', 'bob', 'cy'], apps: 'both' }));
    // Five days later, without the MFA stream.
    ids.push(await addRun(store, config, { startedAt: '2026-10-06T09:00:00.000Z', leeEnabled: false, admins: ['ann', 'bob'], apps: 'both', noMfa: true }));
    report = await loadMetrics(store, config.organisations[0]!, { from: null, to: null });
    await store.close();
  }, 30_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reports hours from leaving to the first run with no access left, per quarter of the leave date', () => {
    expect(report.leavers).toEqual([
      { personId: expect.any(String), name: expect.any(String), leftAt: LEFT_AT, quarter: '2026-Q3', value: { hours: 48, open: false }, closedByRun: ids[2], windowHours: 24, measured: true },
    ]);
    const q3 = report.quarters.find((q) => q.quarter === '2026-Q3')!;
    expect(q3.leavers).toEqual({ count: 1, unmeasured: 0, resolved: 1, open: 0, medianHours: { hours: 48, open: false }, worstHours: { hours: 48, open: false } });
  });

  it('keeps an unclosed leaver open, as a lower bound', async () => {
    const store = await openSqliteStore(join(dir, 'evidence.db'));
    try {
      const early = await loadMetrics(store, config.organisations[0]!, { from: null, to: '2026-10-01T00:00:00.000Z' });
      expect(early.leavers[0]!.value).toEqual({ hours: 24, open: true });
      expect(early.quarters[0]!.leavers.medianHours).toEqual({ hours: 24, open: true });
    } finally {
      await store.close();
    }
  });

  it('computes per-quarter MFA coverage, admin ranges, unapproved AI apps and owned share', () => {
    expect(report.quarters.map((q) => q.quarter)).toEqual(['2026-Q3', '2026-Q4']);
    const [q3, q4] = report.quarters as [MetricsReport['quarters'][0], MetricsReport['quarters'][0]];
    expect(q3.runs).toBe(2);
    // Lee, still enabled in run 2, counts as a human with MFA: 3 of 4.
    expect(q3.latestMfaCoverage).toEqual({ runId: ids[1], value: 3 / 4 });
    expect(q3.admins).toEqual({ 'm365-main': { min: 2, max: 2 } });
    expect(q4.admins).toEqual({ 'm365-main': { min: 2, max: 3 } });
    expect(q3.unapprovedAiApps?.map((a) => a.ref)).toEqual(['ai-app:claude']);
    // Run 2: ChatGPT approved with an owner, Claude not approved.
    expect(q3.latestAiOwnership).toEqual({ runId: ids[1], inUse: 2, approvedWithOwner: 1, share: 0.5 });
    expect(report.runs[0]!.aiOwnership).toEqual({ inUse: 1, approvedWithOwner: 0, share: 0 });
    // Run 4 could not measure MFA: Q4's latest coverage is run 3's, never carried from run 4.
    expect(q4.latestMfaCoverage).toEqual({ runId: ids[2], value: 2 / 3 });
    expect(report.runs[3]!.mfaCoverage).toBeNull();
  });

  it('lists a not_evaluable run and a 5-day hole as gaps', () => {
    const ne = report.gaps.filter((g) => g.kind === 'not_evaluable');
    expect(ne).toEqual([expect.objectContaining({ runId: ids[3], rule: 'mfa-coverage', quarter: '2026-Q4' })]);
    expect(ne[0]!.detail).toMatch(/mfa-coverage not evaluable: .*mfa/);
    const missed = report.gaps.filter((g) => g.kind === 'missed_days');
    expect(missed).toEqual([expect.objectContaining({ from: '2026-10-01T09:00:00.000Z', to: '2026-10-06T09:00:00.000Z', quarter: '2026-Q4' })]);
    expect(missed[0]!.detail).toContain('120 h (5 days)');
  });

  it('runs as `evidentia metrics` with --json, text and a period; bad dates exit 2', async () => {
    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const sink = (f: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (f(c.toString()), cb()) });
      const code = await main(['metrics', '-c', configFile, ...args], { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
      return { code, stdout, stderr };
    };
    const json = await cli('--json', '--org', 'contoso');
    expect(json.code, json.stderr).toBe(0);
    const [parsed] = JSON.parse(json.stdout) as MetricsReport[];
    expect(Object.keys(parsed!).sort()).toEqual(['gaps', 'leavers', 'missedDaysAfterHours', 'org', 'period', 'quarters', 'runs']);
    expect(parsed!.quarters.map((q) => q.quarter)).toEqual(['2026-Q3', '2026-Q4']);

    const text = await cli('--from', '2026-10-01', '--to', '2026-10-31');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/2026-Q4\s+2\s+66\.6%/);
    expect(text.stdout).toContain('missed_days: no run for 120 h (5 days)');
    expect(text.stdout).toContain('not_evaluable: run');
    // Lee left in Q3, outside this period; the Q4 period has no leavers.
    expect(text.stdout).not.toContain('Leavers (');

    const bad = await cli('--from', '2026-02-30');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from 2026-02-30: expected a date as YYYY-MM-DD');
  });
});
