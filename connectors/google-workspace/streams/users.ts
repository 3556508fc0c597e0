import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { GoogleWorkspaceConfig } from '../config-schema.ts';
import { RAW, type DirectoryClient } from '../directory-call.ts';
import { listPages } from '../directory-pages.ts';
import { directoryUser, mapUser } from '../map-users.ts';
import type { GoogleSession } from '../session.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';
import { USERS_PAGE, usersScope } from './users-query.ts';

/** Every user with `projection=full`: suspended/archived, admin flags, last login, org unit, employee id. */
export function usersStream(session: () => Promise<GoogleSession>): Stream<GoogleWorkspaceConfig> {
  return {
    id: 'users',
    entity: 'account',
    title: 'Users (suspended, archived, admin flags, last login)',
    async *read(ctx: ConnectorContext<GoogleWorkspaceConfig>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const source = sourceOf(ctx);
      const list = (c: DirectoryClient, pageToken: string | undefined) =>
        c.users.list({ ...usersScope(ctx.config), maxResults: USERS_PAGE, projection: 'full', ...(pageToken ? { pageToken } : {}) }, RAW);
      for await (const p of listPages(s, 'users', 'users.list', 'users', list, ctx.now)) {
        const mapped = mapRecords(p.items ?? [], directoryUser, (u) => mapUser(u, source), 'user');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}
