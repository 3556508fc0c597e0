import type { Account, Entity } from '../core/model.ts';
import type { RuleResult } from '../core/rule.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { BeginRun, EvidenceStore, PageInput, RunRecord, StreamRef } from './evidence-store.ts';
import type { RunInventories } from '../inventory/inventory-schema.ts';

/**
 * Deterministic test data for store tests (no counters, no clock). Test-only: nothing outside
 * `*.test.ts` and the contract suite imports this file.
 */

export const USERS: StreamRef = { connector: 'm365', instance: 'm365-main', stream: 'users' };
export const KEYS: StreamRef = { connector: 'aws-iam', instance: 'aws-prod', stream: 'access_keys' };

export function beginInput(org: string, startedAt: string, partial: Partial<BeginRun> = {}): BeginRun {
  return { org, startedAt, toolVersion: '0.1.0', configDigest: 'c'.repeat(64), trigger: 'test', ...partial };
}

export function account(org: string, ref: StreamRef, username: string, partial: Partial<Account> = {}): Account {
  return {
    kind: 'account',
    key: `id-${username}`,
    source: { org, connector: ref.connector, instance: ref.instance },
    externalId: `id-${username}`,
    username,
    email: username,
    displayName: username.split('@')[0] ?? username,
    enabled: true,
    vendorType: 'member',
    createdAt: '2024-01-01T00:00:00Z',
    signIn: { lastSuccessfulAt: '2026-11-01T08:00:00Z', lastInteractiveAt: null, lastNonInteractiveAt: null },
    employeeId: null,
    hireDate: null,
    leaveDate: null,
    attributes: { onPremisesSyncEnabled: false },
    ...partial,
  };
}

export function accessKey(org: string, ref: StreamRef, keyId: string): Entity {
  return {
    kind: 'access_key',
    key: keyId,
    source: { org, connector: ref.connector, instance: ref.instance },
    accountKey: 'ci-deployer',
    keyId,
    active: true,
    createdAt: '2025-01-01T00:00:00Z',
    lastRotatedAt: null,
    lastUsedAt: '2026-11-19T00:00:00Z',
  };
}

export function page(ref: StreamRef, seq: number, body: string, partial: Partial<PageInput> = {}): PageInput {
  return {
    ...ref,
    seq,
    method: 'GET',
    url: `https://graph.example.test/v1.0/${ref.stream}?page=${seq}`,
    status: 200,
    contentType: 'application/json',
    body,
    receivedAt: '2026-11-20T09:00:01Z',
    ...partial,
  };
}

export function outcome(ref: StreamRef, partial: Partial<StreamOutcome> = {}): StreamOutcome {
  return {
    ...ref,
    entity: ref.stream === 'users' ? 'account' : 'access_key',
    status: 'complete',
    pages: 2,
    records: 2,
    failures: [],
    note: null,
    startedAt: '2026-11-20T09:00:00Z',
    finishedAt: '2026-11-20T09:00:05Z',
    ...partial,
  };
}

export function result(ruleId: string, partial: Partial<RuleResult> = {}): RuleResult {
  return {
    ruleId,
    title: 'Privileged accounts have MFA',
    controls: ['ISO27001:2022/A.8.5'],
    status: 'fail',
    summary: '1 of 2 privileged accounts has no MFA',
    measured: 0.5,
    threshold: 1,
    unit: 'ratio',
    reasons: [],
    breakdown: [{ scope: 'overall', status: 'fail', measured: 0.5, summary: '1 of 2' }],
    subjects: [{ ref: 'id-bob@acme.test', label: 'bob@acme.test', instance: 'm365-main', status: 'fail', why: 'Global Administrator with no MFA method registered' }],
    evidence: ['a'.repeat(64)],
    notApplicable: false,
    exceptions: [],
    params: { threshold: 1 },
    ...partial,
  };
}

/**
 * Records one typical run: two pages and two accounts of m365 users, one page and one access key
 * of AWS keys, both outcomes. `bodyTag` varies the bodies; the same tag in two runs gives the same
 * bodies (to exercise deduplication).
 */
export async function recordTypicalRun(store: EvidenceStore, org: string, startedAt: string, bodyTag = 'v1'): Promise<RunRecord> {
  const run = await store.beginRun(beginInput(org, startedAt));
  await store.recordPage(run.id, page(USERS, 1, `{"value":[{"id":"alice"}],"tag":"${bodyTag}"}`));
  await store.recordEntities(run.id, USERS, [account(org, USERS, `alice@${org}.test`)]);
  await store.recordPage(run.id, page(USERS, 2, `{"value":[{"id":"bob"}],"tag":"${bodyTag}"}`));
  await store.recordEntities(run.id, USERS, [account(org, USERS, `bob@${org}.test`)]);
  await store.recordStreamOutcome(run.id, outcome(USERS));
  await store.recordPage(run.id, page(KEYS, 1, `<ListAccessKeysResult tag="${bodyTag}"/>`, { contentType: 'text/xml' }));
  await store.recordEntities(run.id, KEYS, [accessKey(org, KEYS, 'AKIAEXAMPLE1')]);
  await store.recordStreamOutcome(run.id, outcome(KEYS, { pages: 1, records: 1 }));
  return run;
}

/** Begins, records and seals a typical run; returns the sealed record. */
export async function sealTypicalRun(store: EvidenceStore, org: string, startedAt: string, bodyTag = 'v1'): Promise<RunRecord> {
  const run = await recordTypicalRun(store, org, startedAt, bodyTag);
  return store.finishRun(run.id, { finishedAt: startedAt.replace(':00Z', ':30Z'), status: 'complete' });
}

/** Awaits a promise that must reject with an AgentError of `code`; returns it for message checks. */
export async function rejection(promise: Promise<unknown>, code: string): Promise<Error & { code: string }> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof Error)) throw new Error(`expected a rejection with code ${code}, but it resolved`);
  const err = caught as Error & { code?: string };
  if (err.code !== code) throw new Error(`expected code ${code}, got ${String(err.code)}: ${err.message}`);
  return err as Error & { code: string };
}

/** Inventories of a run with one row in the accounts inventory and one leaver, the rest empty but complete. */
export function inventoriesOf(org: string, runId: number, asOf: string): RunInventories {
  const empty = { availability: { complete: true, reasons: [] }, rows: [] };
  return {
    org,
    runId,
    asOf: new Date(asOf).toISOString(),
    'privileged-access': empty,
    apps: empty,
    accounts: {
      availability: { complete: true, reasons: [] },
      rows: [
        {
          instance: 'm365-main', key: 'id-alice@acme.test', username: 'alice@acme.test', displayName: 'Alice', connector: 'm365', personId: 'email:alice@acme.test', personName: 'Alice',
          link: 'e-mail alice@acme.test (mail)', matched: true, enabled: true, accountClass: 'human', classWhy: 'member account', lastSignIn: null, signInKnown: false, mfa: 'unknown',
        },
      ],
    },
    'review-population': empty,
    leavers: {
      availability: { complete: false, reasons: ['aws-prod/access_keys is partial: throttled: 429'] },
      rows: [
        {
          instance: 'm365-main', key: 'id-bob@acme.test', personId: 'email:bob@acme.test', personName: 'Bob', leftAt: '2026-11-19T03:00:00.000Z', leaveSource: 'hr', username: 'bob@acme.test',
          enabled: true, access: ['account still enabled'], unknown: [], activeKeys: 0, grants: 0, hoursSinceLeaving: 30, removal: 'still_enabled', hoursToRemoval: 30,
        },
      ],
    },
  };
}

/** A sealed typical run of acme (2026-11-20 09:00) evaluated once with its inventories: the starting point of the inventory tests. */
export async function evaluatedTypicalRun(store: EvidenceStore): Promise<{ run: RunRecord; evaluationId: number }> {
  const run = await sealTypicalRun(store, 'acme', '2026-11-20T09:00:00Z', 'r1');
  const evaluation = await store.recordEvaluation(run.id, { evaluatedAt: '2026-11-20T10:00:00Z', paramsDigest: 'p', results: [result('mfa')], inventories: inventoriesOf('acme', run.id, run.startedAt) });
  return { run, evaluationId: evaluation.id };
}
