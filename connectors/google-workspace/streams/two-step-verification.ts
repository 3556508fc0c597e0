import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { GoogleWorkspaceConfig } from '../config-schema.ts';
import { RAW, type DirectoryClient } from '../directory-call.ts';
import { listPages } from '../directory-pages.ts';
import { mapTwoSv, TWO_SV_FIELDS, twoSvRecord } from '../map-users.ts';
import type { GoogleSession } from '../session.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';
import { USERS_PAGE, usersScope } from './users-query.ts';

/**
 * 2-Step Verification per user. A stream yields one entity kind, so this pages the users again,
 * asking only for the four fields it needs (a partial response keeps the pages small).
 */
export function twoStepVerificationStream(session: () => Promise<GoogleSession>): Stream<GoogleWorkspaceConfig> {
  return {
    id: 'two-step-verification',
    entity: 'mfa',
    title: '2-Step Verification enrolment and enforcement',
    async *read(ctx: ConnectorContext<GoogleWorkspaceConfig>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const source = sourceOf(ctx);
      const list = (c: DirectoryClient, pageToken: string | undefined) =>
        c.users.list({ ...usersScope(ctx.config), maxResults: USERS_PAGE, projection: 'basic', fields: TWO_SV_FIELDS, ...(pageToken ? { pageToken } : {}) }, RAW);
      for await (const p of listPages(s, 'users', 'users.list (2-Step Verification)', 'users', list, ctx.now)) {
        const mapped = mapRecords(p.items ?? [], twoSvRecord, (r) => mapTwoSv(r, source), 'user');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}
