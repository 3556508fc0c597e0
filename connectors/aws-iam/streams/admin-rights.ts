import type { Page, Stream } from '../../../src/core/connector.ts';
import type { AwsRun } from '../aws-run.ts';
import type { AwsIamConfig } from '../config-schema.ts';
import { buildIndex, mapUserGrants } from '../map-admin-rights.ts';
import { failurePage, pageOf, sourceOf } from './page-of.ts';
import { perAccount } from './per-account.ts';

/**
 * Who holds administrator rights, from GetAccountAuthorizationDetails. A user's groups and
 * customer-managed policies may be listed on later pages than the user, so all pages are read
 * first; then each page is yielded with the grants of the users listed on it. When paging stops
 * early the failure goes on the last page read and grants that cannot be resolved are left out
 * (the stream is partial, so rules do not rely on it).
 */
export function adminRightsStream(run: () => AwsRun): Stream<AwsIamConfig> {
  return {
    id: 'admin-rights',
    entity: 'role_assignment',
    title: 'Administrator rights (GetAccountAuthorizationDetails)',
    read(ctx) {
      const r = run();
      return perAccount(r, ctx, async function* (access): AsyncGenerator<Page, void, undefined> {
        const details = await r.details(access);
        if (details.pages.length === 0) {
          if (details.error) yield failurePage(details.error, ctx.now);
          return;
        }
        const idx = buildIndex(details.pages.map((p) => p.output), details.error === null);
        const source = sourceOf(ctx);
        for (const [i, p] of details.pages.entries()) {
          const mapped = (p.output.UserDetailList ?? []).map((u) => mapUserGrants(u, idx, access.target.label, access.target.accountId, source));
          const last = i === details.pages.length - 1;
          yield pageOf(p.raw, mapped.flatMap((m) => m.entities), [...mapped.flatMap((m) => m.failures), ...(last && details.error ? [details.error.toFailure()] : [])]);
        }
      });
    },
  };
}
