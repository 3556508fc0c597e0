import { z } from 'zod';
import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { StreamFailure } from '../../../src/core/stream-outcome.ts';
import type { GoogleWorkspaceConfig } from '../config-schema.ts';
import { authorizePage, callDirectory, RAW, type DirectoryClient, type RawPage } from '../directory-call.ts';
import { listPages } from '../directory-pages.ts';
import { readGoogleError } from '../google-errors.ts';
import { directoryToken, mapToken } from '../map-tokens.ts';
import type { GoogleSession } from '../session.ts';
import { inOrder } from './in-order.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';
import { USERS_PAGE, usersScope } from './users-query.ts';

/** What the tokens stream needs to know about each user. */
const TOKEN_USER_FIELDS = 'users(id,primaryEmail,suspended,archived),nextPageToken';
const tokenUser = z.object({ id: z.string().min(1), primaryEmail: z.string().min(1), suspended: z.boolean().nullish(), archived: z.boolean().nullish() });
type TokenUser = z.infer<typeof tokenUser>;

/**
 * Calls in flight at once. tokens.list has no paging and no bulk form: one call per user, so a
 * 10,000-user customer costs 10,000 calls; the `google-directory` pacer keeps them under the
 * 2,400-per-minute quota, and a few in flight keep latency from dominating.
 */
const IN_FLIGHT = 4;

/**
 * The OAuth tokens every user granted to third-party apps. Pages the users (minimal fields), then
 * asks for each one's tokens; each answer is a page. A per-user refusal (Google answers 401 for
 * suspended users) is recorded as a gap naming the user, and the stream goes on with the next
 * user; a refusal that would hit every user (scope, privilege, quota, outage) stops it.
 */
export function tokensStream(session: () => Promise<GoogleSession>): Stream<GoogleWorkspaceConfig> {
  return {
    id: 'tokens',
    entity: 'app_grant',
    title: 'OAuth tokens users granted to apps',
    async *read(ctx: ConnectorContext<GoogleWorkspaceConfig>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const source = sourceOf(ctx);
      // Without the tokens scope there is no point paging the users first.
      const refused = await authorizePage(s, 'tokens', 'tokens.list', ctx.now);
      if (refused) {
        yield pageOf(refused, []);
        return;
      }
      const listUsers = (c: DirectoryClient, pageToken: string | undefined) =>
        c.users.list({ ...usersScope(ctx.config), maxResults: USERS_PAGE, projection: 'basic', fields: TOKEN_USER_FIELDS, ...(pageToken ? { pageToken } : {}) }, RAW);
      for await (const p of listPages(s, 'users', 'users.list (for tokens)', 'users', listUsers, ctx.now)) {
        const users = mapRecords(p.items ?? [], tokenUser, (u) => u, 'user');
        yield pageOf(p, [], users.failures);
        // No users on a failed page; a truncated one (page token loop) still lists its users.
        if (p.items === null) return;
        const tokensOf = (u: TokenUser) => callDirectory(s, 'tokens', `tokens.list for ${u.primaryEmail}`, (c) => c.tokens.list({ userKey: u.id }, RAW), ctx.now);
        for await (const { item: u, result: tp } of inOrder(users.entities, IN_FLIGHT, tokensOf)) {
          if (tp.failure) {
            const gap = perUserGap(u, tp);
            if (!gap) {
              yield pageOf(tp, []);
              return;
            }
            yield pageOf({ ...tp, failure: null }, [], [gap]);
            continue;
          }
          const items = tp.json?.items;
          if (items !== undefined && !Array.isArray(items)) {
            yield pageOf(tp, [], [{ kind: 'invalid', detail: `tokens.list for ${u.primaryEmail}: \`items\` is not a list; that user's grants were not counted` }]);
            continue;
          }
          // An empty list comes without `items`.
          const mapped = mapRecords(items ?? [], directoryToken, (t) => mapToken(t, u.id, source), `token of ${u.primaryEmail}`);
          yield pageOf(tp, mapped.entities, mapped.failures);
        }
      }
    },
  };
}

/**
 * A failure that concerns this user only: Google answers `tokens.list` for a suspended user with
 * 401 (cartography-cncf/cartography#2724), for a user deleted since the listing with 404, and a
 * 200 may be unreadable. The user's grants are then unknown: recorded, never skipped silently,
 * so the stream is `partial`.
 */
function perUserGap(u: TokenUser, p: RawPage): StreamFailure | null {
  if (p.fromTokenEndpoint || p.failure?.kind === 'throttled' || p.failure?.kind === 'transient') return null;
  // A 200 that could not be read spoils this user's answer only.
  if (p.status >= 200 && p.status < 300) return { kind: 'invalid', detail: `tokens.list for ${u.primaryEmail}: ${p.failure?.detail ?? 'unreadable answer'}; that user's grants were not counted` };
  const err = readGoogleError(p.body);
  const said = `HTTP ${p.status}${err.reason ? ` ${err.reason}` : ''}`;
  const state = u.archived ? 'archived' : 'suspended';
  // 403 is left out: it is how Google says the admin lacks a privilege, which concerns every user.
  if ((u.suspended || u.archived) && [400, 401, 404].includes(p.status)) {
    // A suspended or archived user can use no grant, so what is missing is no current access:
    // the gap is recorded (the stream is partial) but scoped to that one field, so rules about
    // current access still evaluate; a rule that must see every grant ever made names this field.
    return { kind: 'denied', field: 'suspendedUserGrants', detail: `the OAuth tokens of ${state} user ${u.primaryEmail} could not be listed (Google answered ${said}, as it does for suspended users); that user's app grants are unknown` };
  }
  if (p.status === 404) {
    return { kind: 'transient', detail: `tokens.list for ${u.primaryEmail}: user not found (${said}), probably deleted during the run; that user's app grants are unknown` };
  }
  return null;
}
