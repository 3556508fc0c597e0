import { ListUsersCommand } from '@aws-sdk/client-identitystore';
import { StreamNotApplicable, type Page, type Stream } from '../../../src/core/connector.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import { callAws } from '../aws-call.ts';
import { AwsCallError } from '../aws-errors.ts';
import type { AwsRun } from '../aws-run.ts';
import type { AwsIamConfig } from '../config-schema.ts';
import { identityCenterUser, mapIdentityCenterUser } from '../map-identity-center.ts';
import { failurePage, pageOf, sourceOf } from './page-of.ts';

/**
 * IAM Identity Center users, read with the base credentials in the store's region, paged by
 * NextToken. Without an `identityStore` in the config the stream is `not_applicable` (with the
 * reason): it is always declared so the connector's stream list does not depend on its config.
 */
export function identityCenterUsersStream(run: () => AwsRun): Stream<AwsIamConfig> {
  return {
    id: 'identity-center-users',
    entity: 'account',
    title: 'IAM Identity Center users',
    async *read(ctx): AsyncGenerator<Page, void, undefined> {
      const store = ctx.config.identityStore;
      if (!store) throw new StreamNotApplicable('no identityStore is configured, so IAM Identity Center users were not collected');
      const r = run();
      const client = r.clients.identitystore(await r.base(), store.region);
      const source = sourceOf(ctx);
      const seen = new Set<string>();
      let token: string | undefined;
      do {
        const t = token;
        let page;
        try {
          page = await callAws(r.cc, () => new ListUsersCommand({ IdentityStoreId: store.identityStoreId, MaxResults: 100, ...(t ? { NextToken: t } : {}) }), (c, s) => client.send(c, { abortSignal: s }), { action: 'identitystore:ListUsers', account: null });
        } catch (e) {
          if (!(e instanceof AwsCallError)) throw e;
          yield failurePage(e, ctx.now);
          return;
        }
        const mapped = mapRecords(page.output.Users ?? [], identityCenterUser, (u) => mapIdentityCenterUser(u, store.identityStoreId, source), 'Identity Center user');
        token = page.output.NextToken;
        const loop = token !== undefined && seen.has(token);
        if (token !== undefined) seen.add(token);
        const raw = page.raw ?? { method: 'POST', url: 'identitystore:ListUsers', status: 200, contentType: null, body: '', receivedAt: ctx.now().toISOString() };
        yield pageOf(raw, mapped.entities, [...mapped.failures, ...(loop ? [{ kind: 'truncated' as const, detail: 'Identity Store repeated a NextToken; paging stopped to avoid a loop' }] : [])]);
        if (loop) return;
      } while (token);
    },
  };
}
