import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRules } from '../../rules/index.ts';
import { GLOBAL_ADMIN_TEMPLATE } from '../../rules/privileged-count.ts';
import { chatgpt, claude, grant, METRICS_CONFIG as CONFIG } from './metrics-test-fixtures.ts';
import { parseConfigText } from '../config/agent-config.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import type { Entity, EntityKind } from '../core/model.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import { evaluateStoredRun } from '../evaluate/evaluate-run.ts';
import { createAccount, createMfa, createRoleAssignment } from '../evaluate/test-factories.ts';
import { recordM365Streams } from '../../test/support/seed-run.ts';
import type { InventoryOf } from '../inventory/inventory-schema.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { observeStoredLeavers } from './leaver-states.ts';
import { loadMetrics } from './load-metrics.ts';
import { readRunInputs, readSnapshotInputs } from './run-inputs.ts';
import type { ReadRunInputs, RunInputs } from './run-inputs.ts';

/**
 * `loadMetrics` reads leavers and AI apps from the inventories stored with each evaluation instead
 * of every run's snapshot. The snapshot path stays for evaluations without inventories and is the
 * reference here: on the same store both must give the same report, field for field.
 */


const LEE_LEFT = '2026-09-29T09:00:00.000Z';
const MAX_LEFT = '2026-10-02T09:00:00.000Z';

interface RunSpec {
  startedAt: string;
  leeEnabled: boolean;
  maxEnabled: boolean;
  apps: 'claude' | 'both';
  /** The accounts stream ends partial (a page lost): the leavers inventory is then incomplete. */
  accountsPartial?: boolean;
  /** The app stream ends partial and lacks ChatGPT's record: its grant cannot be named (the apps inventory is incomplete). */
  appsPartial?: boolean;
}

/** Two people leave at different times and lose access at different runs; ChatGPT (approved, owned) joins Claude in run 2. */
const RUNS: RunSpec[] = [
  { startedAt: '2026-09-28T09:00:00.000Z', leeEnabled: true, maxEnabled: true, apps: 'claude' },
  { startedAt: '2026-09-30T09:00:00.000Z', leeEnabled: true, maxEnabled: true, apps: 'both' },
  { startedAt: '2026-10-01T09:00:00.000Z', leeEnabled: false, maxEnabled: true, apps: 'both' },
  { startedAt: '2026-10-03T09:00:00.000Z', leeEnabled: false, maxEnabled: true, apps: 'both' },
  { startedAt: '2026-10-04T09:00:00.000Z', leeEnabled: false, maxEnabled: false, apps: 'claude' },
];

/** One sealed run written through the store API and evaluated by the real rules (which store the inventories). */
async function addRun(store: EvidenceStore, config: AgentConfig, spec: RunSpec): Promise<number> {
  const run = await store.beginRun({ org: 'contoso', startedAt: spec.startedAt, toolVersion: '0.1.0', configDigest: 'c'.repeat(64), trigger: 'test' });
  const users = ['ann', 'bob', 'cy'].map((n) => createAccount({ key: `u-${n}`, username: `${n}@contoso.com` }));
  const lee = createAccount({ key: 'u-lee', username: 'lee@contoso.com', enabled: spec.leeEnabled, leaveDate: LEE_LEFT });
  const max = createAccount({ key: 'u-max', username: 'max@contoso.com', enabled: spec.maxEnabled, leaveDate: MAX_LEFT });
  const accounts = [...users, lee, max];
  const apps = spec.apps === 'both' ? [claude, chatgpt, grant(claude, 'u-ann'), grant(chatgpt, 'u-bob')] : [claude, grant(claude, 'u-ann')];
  const streams: [EntityKind, Entity[]][] = [
    ['account', accounts],
    ['role_assignment', ['ann', 'bob'].map((u) => createRoleAssignment({ key: `ga-${u}`, principalKey: `u-${u}`, principalName: `${u}@contoso.com`, roleId: GLOBAL_ADMIN_TEMPLATE, roleName: 'Global Administrator' }))],
    ['app', apps.filter((e) => e.kind === 'app' && !(spec.appsPartial && e.key === chatgpt.key))],
    ['app_grant', apps.filter((e) => e.kind === 'app_grant')],
    ['mfa', accounts.map((a) => createMfa({ key: `mfa-${a.key}`, accountKey: a.key, registered: a.key !== 'u-cy' }))],
  ];
  const lost = (entity: EntityKind): Partial<StreamOutcome> =>
    (entity === 'account' && spec.accountsPartial) || (entity === 'app' && spec.appsPartial) ? { status: 'partial', failures: [{ kind: 'transient', detail: `page 2 of ${entity} failed after retries` }] } : {};
  await recordM365Streams(store, run, streams.map(([entity, entities]) => [entity, entities, lost(entity)] as const));
  await store.finishRun(run.id, { finishedAt: spec.startedAt, status: spec.accountsPartial || spec.appsPartial ? 'partial' : 'complete' });
  await evaluateStoredRun(store, run.id, config, allRules, () => new Date(spec.startedAt));
  return run.id;
}

/** Records where each run's inputs came from. */
function tracking(read: ReadRunInputs): { read: ReadRunInputs; from: Map<number, RunInputs['from']> } {
  const from = new Map<number, RunInputs['from']>();
  return {
    from,
    read: async (ctx, run, evaluation) => {
      const inputs = await read(ctx, run, evaluation);
      from.set(run.id, inputs.from);
      return inputs;
    },
  };
}

describe('metrics from stored inventories', () => {
  let dir: string;
  let n = 0;
  const fresh = async (specs: readonly RunSpec[]) => {
    const storePath = join(dir, `evidence-${++n}.db`);
    const config = parseConfigText(CONFIG(storePath));
    const store = await openSqliteStore(storePath);
    const ids: number[] = [];
    for (const spec of specs) ids.push(await addRun(store, config, spec));
    return { store, storePath, config, org: config.organisations[0]!, ids };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-metrics-inv-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('gives exactly the report the snapshots give, without loading a snapshot', async () => {
    const { store, org, ids } = await fresh(RUNS);
    try {
      const stored = tracking(readRunInputs);
      const fromInventories = await loadMetrics(store, org, { from: null, to: null }, stored.read);
      const fromSnapshots = await loadMetrics(store, org, { from: null, to: null }, readSnapshotInputs);
      expect([...stored.from.values()]).toEqual(ids.map(() => 'inventories'));
      expect(fromInventories).toEqual(fromSnapshots);
      // Not two empty reports: both leavers closed at the run that first saw no access, and ownership measured.
      expect(fromInventories.leavers.map((l) => [l.leftAt, l.value, l.closedByRun])).toEqual([
        [LEE_LEFT, { hours: 48, open: false }, ids[2]],
        [MAX_LEFT, { hours: 48, open: false }, ids[4]],
      ]);
      expect(fromInventories.runs.map((r) => r.aiOwnership)).toEqual([
        { inUse: 1, approvedWithOwner: 0, share: 0 },
        { inUse: 2, approvedWithOwner: 1, share: 0.5 },
        { inUse: 2, approvedWithOwner: 1, share: 0.5 },
        { inUse: 2, approvedWithOwner: 1, share: 0.5 },
        { inUse: 1, approvedWithOwner: 0, share: 0 },
      ]);
      // A period that ends before Max's access went: open, as a lower bound, on both paths.
      const early = { from: null, to: '2026-10-04T00:00:00.000Z' };
      const earlyReport = await loadMetrics(store, org, early);
      expect(earlyReport).toEqual(await loadMetrics(store, org, early, readSnapshotInputs));
      expect(earlyReport.leavers.find((l) => l.leftAt === MAX_LEFT)!.value).toEqual({ hours: 24, open: true });
    } finally {
      await store.close();
    }
  });

  it('reads a run whose latest evaluation has no inventories from its snapshot, with the same result', async () => {
    const { store, org, ids } = await fresh(RUNS);
    try {
      // An evaluation stored the way Evidentia stored them before inventories existed: results only.
      const latest = (await store.latestEvaluation(ids[2]!))!;
      await store.recordEvaluation(ids[2]!, { evaluatedAt: '2026-10-01T10:00:00.000Z', paramsDigest: latest.paramsDigest, results: latest.results });
      const stored = tracking(readRunInputs);
      const report = await loadMetrics(store, org, { from: null, to: null }, stored.read);
      expect(stored.from.get(ids[2]!)).toBe('snapshot');
      expect([...stored.from.values()].filter((f) => f === 'inventories')).toHaveLength(ids.length - 1);
      expect(report).toEqual(await loadMetrics(store, org, { from: null, to: null }, readSnapshotInputs));
      expect(report.leavers.find((l) => l.leftAt === LEE_LEFT)!.closedByRun).toBe(ids[2]);
    } finally {
      await store.close();
    }
  });

  it('lets an incomplete leavers inventory close no case, and lists it as a gap', async () => {
    // Run 3 sees Lee disabled, but its accounts stream lost a page: it cannot prove the access gone.
    const specs = RUNS.map((s, i) => (i === 2 ? { ...s, accountsPartial: true } : s));
    const { store, org, ids } = await fresh(specs);
    try {
      const report = await loadMetrics(store, org, { from: null, to: null });
      const lee = report.leavers.find((l) => l.leftAt === LEE_LEFT)!;
      expect(lee.closedByRun).toBe(ids[3]);
      expect(lee.value).toEqual({ hours: 96, open: false });
      const gaps = report.gaps.filter((g) => g.kind === 'inventory_incomplete');
      expect(gaps).toEqual([expect.objectContaining({ runId: ids[2], rule: null, quarter: '2026-Q4' })]);
      expect(gaps[0]!.detail).toMatch(/leavers inventory is incomplete \(.*m365-main\/account is partial.*\), so this run shows no leaver's access as removed/);
    } finally {
      await store.close();
    }
  });

  it('measures no AI ownership from an incomplete apps inventory, and lists it as a gap', async () => {
    // Run 2: Claude fails shadow-ai (unapproved), so the rule has a verdict, but ChatGPT's grant cannot be named.
    const specs = RUNS.map((s, i) => (i === 1 ? { ...s, appsPartial: true } : s));
    const { store, org, ids } = await fresh(specs);
    try {
      const report = await loadMetrics(store, org, { from: null, to: null });
      const run2 = report.runs[1]!;
      expect(run2.unapprovedAiApps?.map((a) => a.ref)).toEqual(['ai-app:claude']);
      expect(run2.aiOwnership).toBeNull();
      expect(run2.gaps).toEqual([expect.objectContaining({ kind: 'inventory_incomplete', rule: 'shadow-ai', runId: ids[1] })]);
      expect(run2.gaps[0]!.detail).toMatch(/apps inventory is incomplete \(.*could not be named.*\), so AI app ownership is not measured/);
      // The quarter's latest ownership is then run 1's, never a figure from run 2.
      expect(report.quarters[0]!.latestAiOwnership).toEqual({ runId: ids[0], inUse: 1, approvedWithOwner: 0, share: 0 });
    } finally {
      await store.close();
    }
  });

  it('stops with a clear error when a stored leavers inventory was changed, instead of counting it', async () => {
    const { store, storePath, org, ids } = await fresh(RUNS);
    const evaluation = (await store.latestEvaluation(ids[2]!))!;
    await store.close();
    const raw = new Database(storePath);
    try {
      // As someone editing the file by hand would: the append-only triggers dropped first.
      for (const name of raw.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).pluck().all()) raw.exec(`DROP TRIGGER "${name}"`);
      // Lee's disabled account rewritten as still enabled in run 3's stored inventory.
      const changed = raw
        .prepare(`UPDATE json_blobs SET json = replace(json, '"removal":"removed"', '"removal":"still_enabled"') WHERE id IN (SELECT blob_id FROM inventories WHERE kind = 'leavers' AND evaluation_id = ?)`)
        .run(evaluation.id);
      expect(changed.changes).toBe(1);
    } finally {
      raw.close();
    }
    const reopened = await openSqliteStore(storePath, { mustExist: true });
    try {
      await expect(loadMetrics(reopened, org, { from: null, to: null })).rejects.toMatchObject({
        code: 'store_failed',
        message: expect.stringMatching(new RegExp(`leavers inventory of evaluation ${evaluation.id} \\(run ${ids[2]}\\) no longer matches its SHA-256.*evidentia verify`)),
      });
    } finally {
      await reopened.close();
    }
  });
});

describe('observeStoredLeavers', () => {
  const row = (personId: string, removal: InventoryOf<'leavers'>['rows'][number]['removal'], key: string): InventoryOf<'leavers'>['rows'][number] => ({
    instance: 'm365-main',
    key,
    personId,
    personName: personId,
    leftAt: LEE_LEFT,
    leaveSource: 'hr-csv',
    username: `${key}@contoso.com`,
    enabled: removal === 'still_enabled',
    access: removal === 'still_enabled' ? ['enabled account'] : [],
    unknown: removal === 'unknown' ? ['keys unreadable'] : [],
    activeKeys: 0,
    grants: 0,
    hoursSinceLeaving: 30,
    removal,
    hoursToRemoval: removal === 'unknown' ? null : 30,
  });
  const run = { runId: 7, startedAt: '2026-09-30T15:00:00.000Z' };
  const access = (o: ReturnType<typeof observeStoredLeavers>) => Object.fromEntries(o.people.map((p) => [p.id, p.access]));

  it('takes the strongest of a person\'s accounts: any access is access, else any unknown is unknown', () => {
    const rows = [row('a', 'removed', 'a1'), row('a', 'still_enabled', 'a2'), row('b', 'removed', 'b1'), row('b', 'unknown', 'b2'), row('c', 'removed', 'c1'), row('d', 'no_linked_account', 'd')];
    expect(access(observeStoredLeavers({ availability: { complete: true, reasons: [] }, rows }, run))).toEqual({ a: 'some', b: 'unknown', c: 'none', d: 'unknown' });
  });

  it('reads "removed" as unknown from an incomplete inventory, but keeps access it did see', () => {
    const rows = [row('a', 'still_enabled', 'a1'), row('c', 'removed', 'c1')];
    expect(access(observeStoredLeavers({ availability: { complete: false, reasons: ['m365-main/account is partial'] }, rows }, run))).toEqual({ a: 'some', c: 'unknown' });
  });
});
