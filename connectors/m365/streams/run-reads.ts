import type { ConnectorContext } from '../../../src/core/connector.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages, type GraphPage, type PagingNeeds } from '../graph-pages.ts';
import { readServicePrincipals, type ServicePrincipalRead } from './service-principals-read.ts';

/**
 * Collections that more than one stream needs, read once per run and shared: the role definitions
 * (active and PIM-eligible assignments are both named and judged by them) and the service
 * principals (listed as apps, and walked for their application permissions; see
 * service-principals-read.ts, which also reads them through Graph delta when the run tracks changes). Each stream still
 * yields the shared pages as its own evidence (same bytes, so the store keeps one body), so every
 * stream's results point at what they rest on; only the extra API call is gone.
 *
 * Made by `connector.streams(ctx)`, so it lives exactly as long as one run of one connector
 * instance: nothing is cached across runs or tenants.
 */
export interface RunReads {
  roleDefinitions(ctx: ConnectorContext<M365Config>): Promise<readonly GraphPage[]>;
  servicePrincipals(ctx: ConnectorContext<M365Config>): Promise<ServicePrincipalRead>;
}

export const ROLE_DEFINITIONS_URL = '/v1.0/roleManagement/directory/roleDefinitions';

export function runReads(session: () => Promise<GraphSession>): RunReads {
  const once = (url: string, needs: PagingNeeds) => {
    let pages: Promise<GraphPage[]> | undefined;
    return (ctx: ConnectorContext<M365Config>): Promise<readonly GraphPage[]> => {
      pages ??= readAll(session, url, needs, ctx);
      return pages;
    };
  };
  let sps: Promise<ServicePrincipalRead> | undefined;
  return {
    roleDefinitions: once(ROLE_DEFINITIONS_URL, { permission: 'RoleManagement.Read.Directory' }),
    servicePrincipals: (ctx) => (sps ??= session().then((s) => readServicePrincipals(s, ctx))),
  };
}

/**
 * Both collections are small (role definitions are one page; service principals are hundreds to a
 * few thousand even in a 100k-user tenant), so holding their pages until both streams have them costs little.
 */
async function readAll(session: () => Promise<GraphSession>, url: string, needs: PagingNeeds, ctx: ConnectorContext<M365Config>): Promise<GraphPage[]> {
  const s = await session();
  const pages: GraphPage[] = [];
  for await (const p of graphPages(s, url, needs, ctx.now)) pages.push(p);
  return pages;
}
