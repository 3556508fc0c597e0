import { z } from 'zod';
import type { ConnectorContext, Page, PreviousCollection } from '../../../src/core/connector.ts';
import type { Account, EntitySource } from '../../../src/core/model.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages, type GraphPage } from '../graph-pages.ts';
import { graphUser, mapUser, USER_SELECT } from '../map-users.ts';
import { pageOf } from './page-of.ts';
import { assertSameOrigin } from '../../../src/http/origin-guard.ts';

/**
 * Incremental reading of the users stream with Graph delta queries (`/users/delta`).
 *
 * The checkpoint is the deltaLink of the last complete read plus when it was obtained and when
 * sign-in activity was last read in full. An incremental run applies the changes Graph reports
 * since that link to the users of the run that stored it (`@removed` drops a user, a changed or
 * new user replaces it) and yields the full resulting set, so every snapshot stays complete.
 *
 * `signInActivity` cannot be selected in delta: each user keeps the sign-in facts of the last full
 * read (a new user has none: unknown, never "never"). Those facts are older than the run, so they
 * can only make an account look *less* recently used than it is, never more; the outcome's note says
 * from when they are.
 */

/** Identity delta tokens live 7 days; an older link is not even tried. */
export const DELTA_LINK_MAX_AGE_MS = 7 * 86_400_000;
/** How long sign-in facts may be carried through incremental runs before a full read refreshes them. */
export const SIGN_IN_MAX_AGE_MS = 7 * 86_400_000;
const EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export const usersCheckpoint = z.object({
  deltaLink: z.string().url(),
  obtainedAt: z.string(),
  /** When the users' sign-in activity was last read in full (delta cannot return it). */
  signInReadAt: z.string(),
});
export type UsersCheckpoint = z.infer<typeof usersCheckpoint>;

const deltaPage = z.object({ '@odata.deltaLink': z.string().optional() }).passthrough();
const removedRecord = z.object({ id: z.string().min(1), '@removed': z.object({ reason: z.string().optional() }).passthrough() });

export type IncrementalAttempt = { done: true } | { done: false; reason: string };

/** Why the stored checkpoint cannot be used, or the checkpoint and its run. */
export async function usableCheckpoint(
  prev: PreviousCollection,
  now: Date,
): Promise<{ ok: true; runId: number; cp: UsersCheckpoint } | { ok: false; reason: string }> {
  if (prev.mode !== 'incremental') return { ok: false, reason: 'a full run was asked for' };
  const stored = await prev.checkpoint('users');
  if (!stored) return { ok: false, reason: 'no delta link is stored yet (no earlier complete users read that tracked changes)' };
  const cp = usersCheckpoint.safeParse(stored.value);
  if (!cp.success) return { ok: false, reason: `the delta link stored by run ${stored.runId} is unreadable` };
  const age = now.getTime() - Date.parse(cp.data.obtainedAt);
  if (!(age <= DELTA_LINK_MAX_AGE_MS)) return { ok: false, reason: `the delta link stored by run ${stored.runId} is older than 7 days (Graph keeps delta state 7 days)` };
  // Carried sign-in facts only ever age; past the same bound they are refreshed by a full read.
  const signInAge = now.getTime() - Date.parse(cp.data.signInReadAt);
  if (!(signInAge <= SIGN_IN_MAX_AGE_MS)) return { ok: false, reason: `sign-in activity was last read in full more than 7 days ago (${cp.data.signInReadAt})` };
  return { ok: true, runId: stored.runId, cp: cp.data };
}

/**
 * Reads the changes since the checkpoint and yields the full user set on the last page. Returns
 * `{done: false}` when Graph refuses the link as expired (the refusal is yielded as evidence).
 */
export async function* readUsersDelta(
  s: GraphSession,
  ctx: ConnectorContext<M365Config>,
  source: EntitySource,
  prev: PreviousCollection,
  base: { runId: number; cp: UsersCheckpoint },
): AsyncGenerator<Page, IncrementalAttempt, undefined> {
  try {
    assertSameOrigin(base.cp.deltaLink, s.origin);
  } catch {
    return { done: false, reason: `the delta link stored by run ${base.runId} points to another host than ${s.endpoints.graph}` };
  }
  const users = new Map<string, Account>();
  for (const e of await prev.entities(base.runId, 'users')) if (e.kind === 'account') users.set(e.key, e);
  let added = 0;
  let changed = 0;
  let removed = 0;
  let deltaLink: string | undefined;
  // The newest successful page is held back: the last one carries the whole resulting set.
  let last: GraphPage | undefined;
  for await (const p of graphPages(s, base.cp.deltaLink, { permission: 'User.Read.All' }, ctx.now)) {
    if (p.failure) {
      if ((p.status === 400 || p.status === 410) && EXPIRED_CODES.has(errorCode(p.body).toLowerCase())) {
        if (last) yield pageOf(last, []);
        yield pageOf({ ...p, failure: null }, []);
        return { done: false, reason: `Graph refused the stored delta link (${p.status} ${errorCode(p.body)})` };
      }
      // Any other failure ends the read without a user set: the stream is failed, never half-applied.
      if (last) yield pageOf(last, []);
      yield pageOf(p, []);
      return { done: true };
    }
    for (const record of p.value ?? []) {
      const gone = removedRecord.safeParse(record);
      if (gone.success) {
        if (users.delete(gone.data.id)) removed++;
        continue;
      }
      const mapped = mapRecords([record], graphUser, (u) => mapUser(u, source, false), 'user');
      for (const a of mapped.entities) {
        const before = users.get(a.key);
        // Sign-in facts from the last full read: older than the run, so never "more recent" than the evidence.
        users.set(a.key, { ...a, signIn: before?.signIn ?? null });
        if (before) changed++;
        else added++;
      }
      if (mapped.failures.length > 0) {
        if (last) yield pageOf(last, []);
        yield pageOf(p, [], mapped.failures);
        return { done: true };
      }
    }
    const link = deltaPage.safeParse(safeJson(p.body));
    if (link.success && link.data['@odata.deltaLink']) deltaLink = link.data['@odata.deltaLink'];
    if (last) yield pageOf(last, []);
    last = p;
  }
  if (!last || !deltaLink) {
    if (last) yield pageOf({ ...last, failure: { kind: 'invalid', detail: 'Graph ended the delta read without a deltaLink; the changes could not be confirmed complete' } }, []);
    return { done: true };
  }
  const note =
    `Incremental: ${added} added, ${changed} changed, ${removed} removed users applied to run ${base.runId}'s users via Graph delta. ` +
    `Sign-in activity is not available in delta; it is carried from the full read at ${base.cp.signInReadAt} (new users: unknown).`;
  yield {
    ...pageOf(last, [...users.values()]),
    checkpoint: { value: { deltaLink, obtainedAt: ctx.now().toISOString(), signInReadAt: base.cp.signInReadAt } satisfies UsersCheckpoint, baseRunId: base.runId },
    note,
  };
  return { done: true };
}

/** `/users/delta?$deltatoken=latest`: a deltaLink for "from now on", read before the full pull so no change falls between. */
export async function* latestDeltaLink(s: GraphSession, ctx: ConnectorContext<M365Config>): AsyncGenerator<Page, string | null, undefined> {
  const url = `/v1.0/users/delta?$select=${USER_SELECT.join(',')}&$deltatoken=latest`;
  let link: string | null = null;
  for await (const p of graphPages(s, url, { permission: 'User.Read.All' }, ctx.now)) {
    const parsed = deltaPage.safeParse(safeJson(p.body));
    if (!p.failure && parsed.success && parsed.data['@odata.deltaLink']) link = parsed.data['@odata.deltaLink'];
    // Not reaching a link costs only the next run's increment, never this run's users: no failure recorded.
    yield pageOf({ ...p, failure: null }, []);
  }
  return link;
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
