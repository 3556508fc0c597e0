import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import type { EntitySource } from '../../../src/core/model.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages } from '../graph-pages.ts';
import { graphUser, mapUser, USER_SELECT } from '../map-users.ts';
import { sourceOf } from './source-of.ts';
import { pageOf } from './page-of.ts';
import { readUsersDelta, usableCheckpoint, USERS_LATEST_DELTA_URL, type UsersCheckpoint } from './users-delta.ts';
import { trackedRead } from './tracked-read.ts';

/**
 * All users, with sign-in activity when the tenant and permissions allow. Sign-in activity needs
 * Entra ID P1/P2 and AuditLog.Read.All; without them Graph refuses the whole request, so the
 * stream reads the users again without it and records the missing field. Users stay usable for
 * MFA coverage; rules that need sign-in dates say they cannot be evaluated.
 */
export function usersStream(session: () => Promise<GraphSession>): Stream<M365Config> {
  return {
    id: 'users',
    entity: 'account',
    title: 'Users and sign-in activity',
    async *read(ctx: ConnectorContext<M365Config>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const source = sourceOf(ctx);
      // Tracking changes: resume from the stored delta link when it is usable, else read in full
      // and start a fresh link (recording why).
      yield* trackedRead(s, ctx, {
        usable: async (prev) => {
          const u = await usableCheckpoint(prev, ctx.now());
          return u.ok ? { ok: true, attempt: () => readUsersDelta(s, ctx, source, prev, u) } : u;
        },
        latestUrl: USERS_LATEST_DELTA_URL,
        needs: { permission: 'User.Read.All' },
        full: () => readFull(s, ctx, source),
        checkpointOf: (deltaLink, readAt) => ({ deltaLink, obtainedAt: readAt, signInReadAt: readAt }) satisfies UsersCheckpoint,
      });
    },
  };
}

async function* readFull(s: GraphSession, ctx: ConnectorContext<M365Config>, source: EntitySource): AsyncGenerator<Page, void, undefined> {
  const withSignIn = `/v1.0/users?$select=${[...USER_SELECT, 'signInActivity'].join(',')}&$top=${ctx.config.userPageSize}`;
  let records = 0;
  for await (const p of graphPages(s, withSignIn, { permission: 'AuditLog.Read.All' }, ctx.now)) {
    const signInRefused = p.failure && records === 0 && p.status === 403 && (p.failure.kind === 'unlicensed' || p.failure.kind === 'denied');
    if (signInRefused) {
      // The refusal is kept as evidence, scoped to the one field it costs.
      const scoped = { ...p.failure!, field: 'signIn', detail: `sign-in activity not collected: ${p.failure!.detail}` };
      yield pageOf({ ...p, failure: null }, [], [scoped]);
      yield* readWithoutSignIn(s, ctx, source);
      return;
    }
    const mapped = mapPage(p.value, source, true);
    records += mapped.entities.length;
    yield pageOf(p, mapped.entities, mapped.failures);
  }
}

async function* readWithoutSignIn(s: GraphSession, ctx: ConnectorContext<M365Config>, source: EntitySource): AsyncGenerator<Page, void, undefined> {
  const url = `/v1.0/users?$select=${USER_SELECT.join(',')}&$top=999`;
  for await (const p of graphPages(s, url, { permission: 'User.Read.All' }, ctx.now)) {
    const mapped = mapPage(p.value, source, false);
    yield pageOf(p, mapped.entities, mapped.failures);
  }
}

function mapPage(value: unknown[] | null, source: EntitySource, signInSelected: boolean) {
  return mapRecords(value ?? [], graphUser, (u) => mapUser(u, source, signInSelected), 'user');
}
