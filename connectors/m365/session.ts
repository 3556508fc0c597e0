import type { ConnectorContext } from '../../src/core/connector.ts';
import type { M365Config } from './config-schema.ts';
import { createCredential, resolveEndpoints } from './credential.ts';
import { createGraphSession, type GraphSession } from './graph-client.ts';
import { RefreshableCredential } from './token-refresh.ts';

/**
 * The streams of one connector instance share one Graph session, made on first use so that a
 * config with a missing secret fails the streams (recorded) rather than the whole run.
 */
export function lazySession(ctx: ConnectorContext<M365Config>): () => Promise<GraphSession> {
  let session: Promise<GraphSession> | undefined;
  return () => {
    session ??= (async () => {
      const endpoints = resolveEndpoints(ctx.config);
      const credential = new RefreshableCredential(() => createCredential(ctx, endpoints));
      // One token up front: the streams start side by side and the credential does not merge
      // concurrent requests, so without this each stream would ask the authority for its own.
      await credential.getToken(`${endpoints.graph}/.default`, { abortSignal: ctx.signal });
      const s = createGraphSession(ctx, credential, endpoints);
      ctx.defer(() => s.close());
      return s;
    })();
    return session;
  };
}
