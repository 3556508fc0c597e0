import type { Account, Entity, EntityKind, EntityOf } from '../core/model.ts';
import { AgentError } from '../core/errors.ts';
import { outcomeUsableFor } from '../core/stream-outcome.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { StoredSnapshot } from '../store/evidence-store.ts';
import { createAccountClassifier } from '../identity/account-class.ts';
import type { AccountLists } from '../identity/account-class.ts';
import { correlate } from '../identity/correlate.ts';
import type { Correlation } from '../identity/correlate.ts';
import type { IdentityOptions } from '../identity/mappings.ts';
import type { AccountClassification, Availability, DerivedKey, SnapshotView, SourceInfo } from './snapshot-view.ts';
import { compareCodeUnits as cmp } from '../core/code-unit-order.ts';

export interface BuildViewOptions {
  /** The organisation's `accounts` lists; an `OrganisationConfig` can be passed as is. */
  accounts?: AccountLists;
  /** The organisation's `identity` config (domain aliases, explicit mappings) for linking accounts to people. */
  identity?: IdentityOptions;
}

/**
 * Builds the read-only view rules evaluate, from one stored run and nothing else. Everything that
 * could differ between two evaluations of the same run is pinned: `asOf` is the run's start (not the
 * wall clock), entities and outcomes are sorted, so re-evaluation gives identical results.
 */
export function buildSnapshotView(snapshot: StoredSnapshot, options: BuildViewOptions = {}): SnapshotView {
  const asOf = new Date(snapshot.run.startedAt);
  if (Number.isNaN(asOf.getTime())) {
    throw new AgentError('internal', `run ${snapshot.run.id} has no valid start time ("${snapshot.run.startedAt}"); it cannot be evaluated`);
  }

  const outcomes = Object.freeze([...snapshot.outcomes].sort(compareOutcomes));
  const byKind = indexByKind(snapshot.entities);
  // kind → instance → key: a composite string per entity would cost ~20 MB at 100k users, while
  // these maps reuse the strings the entities already hold.
  const byKey = new Map<string, Map<string, Map<string, Entity>>>();
  for (const e of snapshot.entities) {
    let instances = byKey.get(e.kind);
    if (!instances) byKey.set(e.kind, (instances = new Map()));
    let keys = instances.get(e.source.instance);
    if (!keys) instances.set(e.source.instance, (keys = new Map()));
    // Keys are unique per (instance, kind) by contract; keep the first so look-ups are stable.
    if (!keys.has(e.key)) keys.set(e.key, e);
  }

  const classify = createAccountClassifier(options.accounts, options.identity?.mappings);
  const classes = new WeakMap<Account, AccountClassification>();
  const accountClass = (account: Account): AccountClassification => {
    let c = classes.get(account);
    if (!c) {
      c = classify(account, asOf);
      classes.set(account, c);
    }
    return c;
  };
  // Correlation reads every account and HR record; only rules about people need it, so it is
  // computed on first use and kept for the view's lifetime (the snapshot never changes).
  let correlation: Correlation | undefined;
  const people = (): Correlation =>
    (correlation ??= correlate({
      accounts: (byKind.get('account') ?? EMPTY) as readonly Account[],
      persons: (byKind.get('person') ?? EMPTY) as readonly EntityOf<'person'>[],
      config: options.identity,
      classify: accountClass,
      asOf,
    }));

  const derivedValues = new Map<DerivedKey<unknown>, unknown>();
  const view: SnapshotView = {
    org: snapshot.run.org,
    runId: snapshot.run.id,
    asOf,
    sources: distinctSources(outcomes),
    outcomes,
    entities<K extends EntityKind>(kind: K): readonly EntityOf<K>[] {
      return (byKind.get(kind) ?? EMPTY) as readonly EntityOf<K>[];
    },
    find<K extends EntityKind>(kind: K, instance: string, key: string): EntityOf<K> | undefined {
      return byKey.get(kind)?.get(instance)?.get(key) as EntityOf<K> | undefined;
    },
    availability(kind: EntityKind, fields: readonly string[] = []): Availability {
      const streams = outcomes.filter((o) => o.entity === kind);
      if (streams.length === 0) return { usable: false, reasons: [`no configured connector collects ${kind}`] };
      const reasons: string[] = [];
      for (const o of streams) {
        const { usable, why } = outcomeUsableFor(o, fields);
        if (!usable) reasons.push(why ?? `${o.instance}/${o.stream} cannot be used`);
      }
      return { usable: reasons.length === 0, reasons };
    },
    accountClass,
    people: () => people().people,
    personOf: (account) => people().personOf.get(account),
    unmatchedAccounts: () => people().unmatched,
    evidenceFor(kind: EntityKind): string[] {
      const hashes = new Set<string>();
      for (const o of outcomes) {
        if (o.entity !== kind) continue;
        for (const h of snapshot.pageHashes[`${o.instance}/${o.stream}`] ?? []) hashes.add(h);
      }
      return [...hashes].sort();
    },
    derived<T>(key: DerivedKey<T>, build: (v: SnapshotView) => T): T {
      if (!derivedValues.has(key)) derivedValues.set(key, build(view));
      return derivedValues.get(key) as T;
    },
  };
  return view;
}

const EMPTY: readonly Entity[] = Object.freeze([]);

function indexByKind(entities: readonly Entity[]): Map<EntityKind, readonly Entity[]> {
  const map = new Map<EntityKind, Entity[]>();
  for (const e of entities) {
    const list = map.get(e.kind);
    if (list) list.push(e);
    else map.set(e.kind, [e]);
  }
  // Sorted so results do not depend on the order the store happens to return rows in.
  for (const list of map.values()) list.sort((a, b) => cmp(a.source.instance, b.source.instance) || cmp(a.key, b.key));
  return new Map([...map].map(([k, v]) => [k, Object.freeze(v)]));
}

function distinctSources(outcomes: readonly StreamOutcome[]): readonly SourceInfo[] {
  const seen = new Map<string, SourceInfo>();
  for (const o of outcomes) {
    const id = `${o.connector}\u0000${o.instance}`;
    if (!seen.has(id)) seen.set(id, { connector: o.connector, instance: o.instance });
  }
  return Object.freeze([...seen.values()].sort((a, b) => cmp(a.instance, b.instance) || cmp(a.connector, b.connector)));
}

function compareOutcomes(a: StreamOutcome, b: StreamOutcome): number {
  return cmp(a.instance, b.instance) || cmp(a.stream, b.stream) || cmp(a.entity, b.entity);
}
