import { z } from 'zod';
import type { ConnectorContext, Page, PreviousCollection } from '../../../src/core/connector.ts';
import type { Entity } from '../../../src/core/model.ts';
import type { StreamFailure } from '../../../src/core/stream-outcome.ts';
import { assertSameOrigin } from '../../../src/http/origin-guard.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages, type GraphPage, type PagingNeeds } from '../graph-pages.ts';
import { pageOf } from './page-of.ts';

/**
 * One reader for Graph delta queries (`/users/delta`, `/servicePrincipals/delta`,
 * `/oauth2PermissionGrants/delta`): they share one protocol (nextLink pages, a deltaLink on the
 * last page, `@removed` records, tokens that expire), so the streams share this code and differ
 * only in how a record maps to an entity.
 *
 * An incremental read applies the changes since a stored link to the entities of the sealed run
 * that stored it and yields the *whole* resulting set on its last page, so every snapshot stays
 * complete. Replays (the same change twice) are harmless: a change replaces, a removal deletes.
 */

/** Directory delta tokens live 7 days; an older link is not even tried. */
export const DELTA_LINK_MAX_AGE_MS = 7 * 86_400_000;
/** Codes Graph uses for a sync state it no longer has (besides any 410, which always means "resync"). */
const EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export const deltaCheckpoint = z.object({ deltaLink: z.string().url(), obtainedAt: z.string() });
export type DeltaCheckpoint = z.infer<typeof deltaCheckpoint>;

const deltaPage = z.object({ '@odata.deltaLink': z.string().optional() }).passthrough();
const removedRecord = z.object({ id: z.string().min(1), '@removed': z.object({ reason: z.string().optional() }).passthrough() });

export type IncrementalAttempt =
  /** Applied (or failed, with the failure on a yielded page): nothing more to read. `changes` is set when applied. */
  | { done: true; changes: DeltaChanges | null }
  /** Graph refused the link as expired, or it could not be used: read in full instead. */
  | { done: false; reason: string };

export interface DeltaChanges {
  baseRunId: number;
  /** Keys of entities that are new or changed since the base run. */
  changed: Set<string>;
  /** Keys of entities removed since the base run (only those the base run held). */
  removed: Set<string>;
  /** Every key of the resulting set. */
  keys: string[];
}

/** The stored checkpoint of `stream` with its run, or why it cannot be used. */
export async function usableDeltaCheckpoint<CP extends DeltaCheckpoint>(
  prev: PreviousCollection,
  stream: string,
  schema: z.ZodType<CP>,
  now: Date,
): Promise<{ ok: true; runId: number; cp: CP } | { ok: false; reason: string }> {
  if (prev.mode !== 'incremental') return { ok: false, reason: 'a full run was asked for' };
  const stored = await prev.checkpoint(stream);
  if (!stored) return { ok: false, reason: `no delta link is stored yet (no earlier complete ${stream} read that tracked changes)` };
  const cp = schema.safeParse(stored.value);
  if (!cp.success) return { ok: false, reason: `the delta link stored by run ${stored.runId} is unreadable` };
  const age = now.getTime() - Date.parse(cp.data.obtainedAt);
  if (!(age <= DELTA_LINK_MAX_AGE_MS)) return { ok: false, reason: `the delta link stored by run ${stored.runId} is older than 7 days (Graph keeps delta state 7 days)` };
  return { ok: true, runId: stored.runId, cp: cp.data };
}

export interface ApplyDeltaSpec<E extends Entity> {
  stream: string;
  needs: PagingNeeds;
  /** The entities of this stream in the base run. */
  isEntity(e: Entity): e is E;
  /** Graph object id → entity key (e.g. a grant's key is `delegated:<id>`). */
  keyOf(id: string): string;
  map(record: unknown): { entities: E[]; failures: StreamFailure[] };
  /** How a changed record replaces the base run's entity (users keep their sign-in facts). @default the new one */
  merge?(next: E, before: E | undefined): E;
  note(counts: { added: number; changed: number; removed: number; baseRunId: number }): string;
  checkpointOf(deltaLink: string): unknown;
  /**
   * Entities of the resulting set that belong to something no longer there (a consent of a deleted
   * app), where Graph's delta does not document removing them: they are dropped, and the note says so.
   */
  orphans?(entities: readonly E[]): Promise<{ keys: readonly string[]; note: string }>;
}

/**
 * Reads the changes since `base.cp.deltaLink` and yields the full resulting set on the last page
 * with the new checkpoint. Returns `{done: false}` when Graph refuses the link as expired (the
 * refusal is yielded as evidence, without a failure: the caller reads in full instead).
 */
export async function* applyDelta<E extends Entity>(
  s: GraphSession,
  ctx: ConnectorContext<M365Config>,
  prev: PreviousCollection,
  base: { runId: number; cp: DeltaCheckpoint },
  spec: ApplyDeltaSpec<E>,
): AsyncGenerator<Page, IncrementalAttempt, undefined> {
  try {
    assertSameOrigin(base.cp.deltaLink, s.origin);
  } catch {
    return { done: false, reason: `the delta link stored by run ${base.runId} points to another host than ${s.endpoints.graph}` };
  }
  const set = new Map<string, E>();
  for (const e of await prev.entities(base.runId, spec.stream)) if (spec.isEntity(e)) set.set(e.key, e);
  const baseKeys = new Set(set.keys());
  // Keys Graph reported as new or changed; replays and add-then-remove are sorted out at the end.
  const touched = new Set<string>();
  let deltaLink: string | undefined;
  // The newest successful page is held back: the last one carries the whole resulting set.
  let last: GraphPage | undefined;
  for await (const p of graphPages(s, base.cp.deltaLink, spec.needs, ctx.now)) {
    if (p.failure) {
      if (last) yield pageOf(last, []);
      if (isExpiredLink(p)) {
        yield pageOf({ ...p, failure: null }, []);
        return { done: false, reason: `Graph refused the stored delta link (${p.status}${errorCode(p.body) ? ` ${errorCode(p.body)}` : ''})` };
      }
      // Any other failure ends the read without a set: the stream is failed, never half-applied.
      yield pageOf(p, []);
      return { done: true, changes: null };
    }
    for (const record of p.value ?? []) {
      const gone = removedRecord.safeParse(record);
      if (gone.success) {
        set.delete(spec.keyOf(gone.data.id));
        continue;
      }
      const mapped = spec.map(record);
      if (mapped.failures.length > 0) {
        if (last) yield pageOf(last, []);
        yield pageOf(p, [], mapped.failures);
        return { done: true, changes: null };
      }
      for (const e of mapped.entities) {
        set.set(e.key, spec.merge ? spec.merge(e, set.get(e.key)) : e);
        touched.add(e.key);
      }
    }
    const link = deltaPage.safeParse(safeJson(p.body));
    if (link.success && link.data['@odata.deltaLink']) deltaLink = link.data['@odata.deltaLink'];
    if (last) yield pageOf(last, []);
    last = p;
  }
  if (!last || !deltaLink) {
    if (last) yield pageOf({ ...last, failure: { kind: 'invalid', detail: 'Graph ended the delta read without a deltaLink; the changes could not be confirmed complete' } }, []);
    return { done: true, changes: null };
  }
  const orphans = spec.orphans ? await spec.orphans([...set.values()]) : null;
  for (const key of orphans?.keys ?? []) set.delete(key);
  const changed = new Set([...touched].filter((k) => set.has(k)));
  const removed = new Set([...baseKeys].filter((k) => !set.has(k)));
  const added = [...changed].filter((k) => !baseKeys.has(k)).length;
  const counts = { added, changed: changed.size - added, removed: removed.size, baseRunId: base.runId };
  yield { ...pageOf(last, [...set.values()]), checkpoint: { value: spec.checkpointOf(deltaLink), baseRunId: base.runId }, note: `${spec.note(counts)}${orphans?.note ?? ''}` };
  return { done: true, changes: { baseRunId: base.runId, changed, removed, keys: [...set.keys()] } };
}

/** `<collection>/delta?…&$deltatoken=latest`: a deltaLink for "from now on", read before the full pull so no change falls between. */
export async function* latestDeltaLink(s: GraphSession, url: string, needs: PagingNeeds, now: () => Date): AsyncGenerator<Page, string | null, undefined> {
  let link: string | null = null;
  for await (const p of graphPages(s, url, needs, now)) {
    const parsed = deltaPage.safeParse(safeJson(p.body));
    if (!p.failure && parsed.success && parsed.data['@odata.deltaLink']) link = parsed.data['@odata.deltaLink'];
    // Not reaching a link costs only the next run's increment, never this run's data: no failure recorded.
    yield pageOf({ ...p, failure: null }, []);
  }
  return link;
}

/** 410 Gone always means "start over" (with or without a Location header); some 400s say the same. */
export function isExpiredLink(p: { status: number; body: string }): boolean {
  return p.status === 410 || (p.status === 400 && EXPIRED_CODES.has(errorCode(p.body).toLowerCase()));
}

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}

function errorCode(body: string): string {
  const code = (safeJson(body) as { error?: { code?: unknown } } | null)?.error?.code;
  return typeof code === 'string' ? code : '';
}
