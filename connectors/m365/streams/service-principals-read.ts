import type { ConnectorContext, Page } from '../../../src/core/connector.ts';
import type { App } from '../../../src/core/model.ts';
import { mapRecords } from '../../../src/core/record-mapping.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import { graphPages } from '../graph-pages.ts';
import { graphServicePrincipal, mapServicePrincipal, SERVICE_PRINCIPAL_SELECT } from '../map-apps.ts';
import type { DeltaChanges } from './delta-reader.ts';
import { pageOf } from './page-of.ts';
import { sourceOf } from './source-of.ts';
import { drainPages, linkOnlyTracking, trackedRead } from './tracked-read.ts';

/**
 * The service principals, read once per run for two streams: the apps stream stores them, and the
 * application-permissions stream walks them (and, after an incremental read, re-reads only the new
 * or changed ones). When the run tracks changes they come from `/servicePrincipals/delta` applied
 * to the base run's apps, like users.
 */
export interface ServicePrincipalRead {
  /** The service-principals stream's pages (evidence, entities, note, checkpoint), in order. */
  pages: Page[];
  /** Every service principal's id now; null when the read failed (the pages say how). */
  ids: string[] | null;
  /** What Graph delta reported since the base run; null after a full read. */
  changes: DeltaChanges | null;
}

export const SERVICE_PRINCIPALS_URL = `/v1.0/servicePrincipals?$select=${SERVICE_PRINCIPAL_SELECT}&$top=999`;
const LATEST_DELTA_URL = `/v1.0/servicePrincipals/delta?$select=${SERVICE_PRINCIPAL_SELECT}&$deltatoken=latest`;
const NEEDS = { permission: 'Application.Read.All' };

export async function readServicePrincipals(s: GraphSession, ctx: ConnectorContext<M365Config>): Promise<ServicePrincipalRead> {
  const source = sourceOf(ctx);
  const map = (records: unknown[]) => mapRecords(records, graphServicePrincipal, (sp) => mapServicePrincipal(sp, source), 'service principal');
  const fullIds: string[] = [];
  const state: { full: 'not_read' | 'read' | 'failed' } = { full: 'not_read' };
  async function* readFull(): AsyncGenerator<Page, void, undefined> {
    state.full = 'read';
    for await (const p of graphPages(s, SERVICE_PRINCIPALS_URL, NEEDS, ctx.now)) {
      // Ids come from the raw records: an app that does not map is still walked for its permissions.
      for (const v of p.value ?? []) if (v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string') fullIds.push((v as { id: string }).id);
      if (p.failure) state.full = 'failed';
      const mapped = map(p.value ?? []);
      yield pageOf(p, mapped.entities, mapped.failures);
    }
  }
  const { pages, result } = await drainPages(
    trackedRead(s, ctx, {
      ...linkOnlyTracking<App>(s, ctx, {
        stream: 'service-principals',
        needs: NEEDS,
        isEntity: (e): e is App => e.kind === 'app',
        keyOf: (id) => id,
        map: (record) => map([record]),
        note: (c) => `Incremental: ${c.added} added, ${c.changed} changed, ${c.removed} removed service principals applied to run ${c.baseRunId}'s apps via Graph delta.`,
      }),
      latestUrl: LATEST_DELTA_URL,
      needs: NEEDS,
      full: readFull,
    }),
  );
  const ids = result ? result.keys : state.full === 'read' ? fullIds : null;
  return { pages, ids, changes: result };
}
