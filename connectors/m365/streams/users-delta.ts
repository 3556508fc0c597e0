import { z } from 'zod';
import type { ConnectorContext, Page, PreviousCollection } from '../../../src/core/connector.ts';
import type { Account, EntitySource } from '../../../src/core/model.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphUser, mapUser, USER_SELECT } from '../map-users.ts';
import { applyDelta, deltaCheckpoint, usableDeltaCheckpoint, type IncrementalAttempt } from './delta-reader.ts';

/**
 * Incremental reading of the users stream with Graph delta queries (`/users/delta`), through the
 * shared delta reader (delta-reader.ts).
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

export { DELTA_LINK_MAX_AGE_MS } from './delta-reader.ts';
/** How long sign-in facts may be carried through incremental runs before a full read refreshes them. */
export const SIGN_IN_MAX_AGE_MS = 7 * 86_400_000;

export const usersCheckpoint = deltaCheckpoint.extend({
  /** When the users' sign-in activity was last read in full (delta cannot return it). */
  signInReadAt: z.string(),
});
export type UsersCheckpoint = z.infer<typeof usersCheckpoint>;

export const USERS_LATEST_DELTA_URL = `/v1.0/users/delta?$select=${USER_SELECT.join(',')}&$deltatoken=latest`;

/** Why the stored checkpoint cannot be used, or the checkpoint and its run. */
export async function usableCheckpoint(
  prev: PreviousCollection,
  now: Date,
): Promise<{ ok: true; runId: number; cp: UsersCheckpoint } | { ok: false; reason: string }> {
  const usable = await usableDeltaCheckpoint(prev, 'users', usersCheckpoint, now);
  if (!usable.ok) return usable;
  // Carried sign-in facts only ever age; past the same bound they are refreshed by a full read.
  const signInAge = now.getTime() - Date.parse(usable.cp.signInReadAt);
  if (!(signInAge <= SIGN_IN_MAX_AGE_MS)) return { ok: false, reason: `sign-in activity was last read in full more than 7 days ago (${usable.cp.signInReadAt})` };
  return usable;
}

/** Reads the changes since the checkpoint and yields the full user set on the last page. */
export function readUsersDelta(
  s: GraphSession,
  ctx: ConnectorContext<M365Config>,
  source: EntitySource,
  prev: PreviousCollection,
  base: { runId: number; cp: UsersCheckpoint },
): AsyncGenerator<Page, IncrementalAttempt, undefined> {
  return applyDelta<Account>(s, ctx, prev, base, {
    stream: 'users',
    needs: { permission: 'User.Read.All' },
    isEntity: (e): e is Account => e.kind === 'account',
    keyOf: (id) => id,
    map: (record) => mapRecords([record], graphUser, (u) => mapUser(u, source, false), 'user'),
    // Sign-in facts from the last full read: older than the run, so never "more recent" than the evidence.
    merge: (next, before) => ({ ...next, signIn: before?.signIn ?? null }),
    note: (c) =>
      `Incremental: ${c.added} added, ${c.changed} changed, ${c.removed} removed users applied to run ${c.baseRunId}'s users via Graph delta. ` +
      `Sign-in activity is not available in delta; it is carried from the full read at ${base.cp.signInReadAt} (new users: unknown).`,
    checkpointOf: (deltaLink) => ({ deltaLink, obtainedAt: ctx.now().toISOString(), signInReadAt: base.cp.signInReadAt }) satisfies UsersCheckpoint,
  });
}
