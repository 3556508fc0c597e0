import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages } from '../graph-pages.ts';
import { graphRegistration, mapRegistration } from '../map-mfa.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';

/** MFA registration per user from the authentication methods report (one call per page, not per user). */
export function mfaRegistrationStream(session: () => Promise<GraphSession>): Stream<M365Config> {
  return {
    id: 'mfa-registration',
    entity: 'mfa',
    title: 'MFA registration (userRegistrationDetails report)',
    async *read(ctx: ConnectorContext<M365Config>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const source = sourceOf(ctx);
      const url = '/v1.0/reports/authenticationMethods/userRegistrationDetails';
      for await (const p of graphPages(s, url, { permission: 'AuditLog.Read.All' }, ctx.now)) {
        const mapped = mapRecords(p.value ?? [], graphRegistration, (r) => mapRegistration(r, source), 'registration record');
        yield pageOf(p, mapped.entities, mapped.failures);
      }
    },
  };
}
