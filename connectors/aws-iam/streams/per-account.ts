import type { ConnectorContext, Page } from '../../../src/core/connector.ts';
import { AwsCallError } from '../aws-errors.ts';
import type { AccountAccess, AwsRun, TargetList } from '../aws-run.ts';
import type { AwsIamConfig } from '../config-schema.ts';
import { failurePage, pageOf } from './page-of.ts';

/**
 * Runs `body` for every account in scope, one after the other. An account that cannot be reached
 * (AssumeRole refused, credentials of another account) yields one page with that failure, naming
 * the account, and the next account is read: with any account read the stream is `partial`, with
 * none `failed`. When the account list itself cannot be made (discovery refused), that one failure
 * is the stream's only page.
 */
export async function* perAccount(
  run: AwsRun,
  ctx: ConnectorContext<AwsIamConfig>,
  body: (access: AccountAccess) => AsyncGenerator<Page, void, undefined>,
  opts: { withDiscoveryPages?: boolean } = {},
): AsyncGenerator<Page, void, undefined> {
  const list: TargetList = await run.targets();
  if (!list.ok) {
    yield failurePage(list.error, ctx.now);
    return;
  }
  if (opts.withDiscoveryPages) for (const raw of list.discoveryPages) yield pageOf(raw, []);
  for (const target of list.targets) {
    let access: AccountAccess;
    try {
      access = await run.access(target);
    } catch (e) {
      if (!(e instanceof AwsCallError)) throw e;
      yield failurePage(e, ctx.now);
      continue;
    }
    yield* body(access);
  }
}
