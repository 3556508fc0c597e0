import { createHash } from 'node:crypto';
import type { AccessKey, Account, Entity, EntityKind, EntitySource, MfaStatus, Person, RoleAssignment } from '../core/model.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { Rule, RuleResult } from '../core/rule.ts';
import type { RunRecord, StoredSnapshot } from '../store/evidence-store.ts';
import type { AccountLists } from '../identity/account-class.ts';
import type { IdentityOptions } from '../identity/mappings.ts';
import { buildSnapshotView } from './build-view.ts';
import { evaluateRules } from './run-rules.ts';

/**
 * `createX(partial)` factories with a default for every field (CloudQuery SDK style), for tests that
 * build snapshots by hand. Defaults are deterministic (no counters, no clock) so tests can compare
 * whole results. Test-only: nothing outside tests imports this file.
 */

export const TEST_AS_OF = '2025-03-01T00:00:00.000Z';

export function createSource(partial: Partial<EntitySource> = {}): EntitySource {
  return { org: 'contoso', connector: 'm365', instance: 'm365-main', ...partial };
}

/** `instance` is a shorthand for `source: createSource({ instance })`. */
type WithInstance<T> = Partial<T> & { instance?: string };

function sourceOf(partial: { source?: EntitySource; instance?: string }): EntitySource {
  if (partial.source) return partial.source;
  return partial.instance ? createSource({ instance: partial.instance }) : createSource();
}

export function createAccount(partial: WithInstance<Account> = {}): Account {
  const { instance: _instance, ...rest } = partial;
  const username = partial.username ?? 'user@contoso.com';
  return {
    kind: 'account',
    key: partial.key ?? username,
    source: sourceOf(partial),
    externalId: partial.externalId ?? `ext-${username}`,
    username,
    email: username.includes('@') ? username : null,
    displayName: username.split('@')[0] ?? username,
    enabled: true,
    vendorType: 'member',
    createdAt: '2024-01-01T00:00:00Z',
    signIn: { lastSuccessfulAt: '2025-02-20T09:00:00Z', lastInteractiveAt: '2025-02-20T09:00:00Z', lastNonInteractiveAt: null },
    employeeId: null,
    hireDate: null,
    leaveDate: null,
    attributes: {},
    ...rest,
  };
}

/** Defaults to a registered authenticator app; pass `registered: false, methods: []` for none. */
export function createMfa(partial: WithInstance<MfaStatus> = {}): MfaStatus {
  const { instance: _instance, ...rest } = partial;
  const accountKey = partial.accountKey ?? 'user@contoso.com';
  return {
    kind: 'mfa',
    key: partial.key ?? `mfa-${accountKey}`,
    source: sourceOf(partial),
    accountKey,
    registered: true,
    enforced: null,
    methods: ['microsoftAuthenticator'],
    strongMethods: ['microsoftAuthenticator'],
    ...rest,
  };
}

/** Defaults to an active Global Administrator assignment to a user. */
export function createRoleAssignment(partial: WithInstance<RoleAssignment> = {}): RoleAssignment {
  const { instance: _instance, ...rest } = partial;
  const principalKey = partial.principalKey ?? 'user@contoso.com';
  const roleId = partial.roleId ?? 'global-admin';
  const assignment = partial.assignment ?? 'active';
  return {
    kind: 'role_assignment',
    key: partial.key ?? `${principalKey}/${roleId}/${assignment}`,
    source: sourceOf(partial),
    principalKey,
    principalType: 'user',
    principalName: principalKey,
    roleId,
    roleName: 'Global Administrator',
    privileged: true,
    privilegeReason: 'full control of the tenant',
    assignment,
    scope: '/',
    ...rest,
  };
}

/**
 * Defaults to an active key of `user@contoso.com`, created 30 days and last used 1 day before
 * `TEST_AS_OF`: compliant with the default 90-day limits. The source defaults to the m365 instance
 * like every factory; pass `source` (or `instance`) for an AWS one.
 */
export function createAccessKey(partial: WithInstance<AccessKey> = {}): AccessKey {
  const { instance: _instance, ...rest } = partial;
  const accountKey = partial.accountKey ?? 'user@contoso.com';
  const keyId = partial.keyId ?? 'AKIAEXAMPLE0000000001';
  return {
    kind: 'access_key',
    key: partial.key ?? `${accountKey}/${keyId}`,
    source: sourceOf(partial),
    accountKey,
    keyId,
    active: true,
    createdAt: '2025-01-30T00:00:00Z',
    lastRotatedAt: '2025-01-30T00:00:00Z',
    lastUsedAt: '2025-02-28T00:00:00Z',
    ...rest,
  };
}

/**
 * An HR record (`person`), defaulting to an active employee `ann@contoso.com` with id `1042` from an
 * `hr-csv` instance named `hr`, hired long before `TEST_AS_OF`.
 */
export function createPerson(partial: WithInstance<Person> = {}): Person {
  const { instance: _instance, ...rest } = partial;
  const employeeId = partial.employeeId === undefined ? '1042' : partial.employeeId;
  return {
    kind: 'person',
    key: partial.key ?? employeeId ?? partial.email ?? 'person',
    source: partial.source ?? createSource({ connector: 'hr-csv', instance: partial.instance ?? 'hr' }),
    employeeId,
    email: 'ann@contoso.com',
    displayName: 'Ann Example',
    status: 'active',
    hireDate: '2020-01-06T00:00:00Z',
    leaveDate: null,
    ...rest,
  };
}

/** A complete stream named after its entity kind, unless told otherwise. */
export function createOutcome(partial: Partial<StreamOutcome> & { entity: EntityKind }): StreamOutcome {
  return {
    connector: 'm365',
    instance: 'm365-main',
    stream: partial.entity,
    status: 'complete',
    pages: 1,
    records: 0,
    failures: [],
    note: null,
    startedAt: TEST_AS_OF,
    finishedAt: TEST_AS_OF,
    ...partial,
  };
}

export function createRun(partial: Partial<RunRecord> = {}): RunRecord {
  return {
    id: 1,
    org: 'contoso',
    status: 'complete',
    trigger: 'test',
    mode: 'full',
    startedAt: TEST_AS_OF,
    finishedAt: TEST_AS_OF,
    toolVersion: '0.1.0',
    configDigest: 'config-digest',
    manifestHash: null,
    previousManifestHash: null,
    pageCount: 0,
    entityCount: 0,
    ...partial,
  };
}

/** A fake but well-formed SHA-256 for a page, derived from its name so tests can predict it. */
export function fakePageHash(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export interface SnapshotInput {
  entities?: Entity[];
  /** Default: one complete stream per (connector, instance, kind) found among `entities`. */
  outcomes?: StreamOutcome[];
  /** With default outcomes: also give every instance found among `entities` a complete stream of these kinds, even if empty. */
  streams?: EntityKind[];
  /** Default: one page per outcome, hashed from `${instance}/${stream}`. */
  pageHashes?: Record<string, string[]>;
  run?: Partial<RunRecord>;
}

export function createSnapshot(input: SnapshotInput = {}): StoredSnapshot {
  const entities = input.entities ?? [];
  const outcomes = input.outcomes ?? defaultOutcomes(entities, input.streams ?? []);
  const pageHashes =
    input.pageHashes ?? Object.fromEntries(outcomes.map((o) => [`${o.instance}/${o.stream}`, [fakePageHash(`${o.instance}/${o.stream}`)]]));
  return { run: createRun({ entityCount: entities.length, ...input.run }), entities, outcomes, pageHashes };
}

function defaultOutcomes(entities: readonly Entity[], streams: readonly EntityKind[]): StreamOutcome[] {
  const seen = new Map<string, StreamOutcome>();
  for (const e of entities) {
    for (const kind of streams) {
      const id = `${e.source.connector}\u0000${e.source.instance}\u0000${kind}`;
      if (!seen.has(id)) seen.set(id, createOutcome({ connector: e.source.connector, instance: e.source.instance, entity: kind }));
    }
  }
  for (const e of entities) {
    const id = `${e.source.connector}\u0000${e.source.instance}\u0000${e.kind}`;
    const existing = seen.get(id);
    if (existing) existing.records += 1;
    else seen.set(id, createOutcome({ connector: e.source.connector, instance: e.source.instance, entity: e.kind, records: 1 }));
  }
  return [...seen.values()];
}

/** Runs one rule through the real engine (requirements, params, validation), as a run would. */
export function evaluateRule(
  rule: Rule,
  snapshot: StoredSnapshot,
  options: { params?: Record<string, unknown>; accounts?: AccountLists; identity?: IdentityOptions } = {},
): RuleResult {
  const view = buildSnapshotView(snapshot, { accounts: options.accounts ?? {}, identity: options.identity ?? {} });
  const { results } = evaluateRules(view, [rule], { global: options.params ? { [rule.id]: options.params } : {} });
  return results[0]!;
}
