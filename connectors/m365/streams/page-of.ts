import type { Page } from '../../../src/core/connector.ts';
import type { Entity } from '../../../src/core/model.ts';
import type { StreamFailure } from '../../../src/core/stream-outcome.ts';
import type { GraphPage } from '../graph-pages.ts';

/** A stored page: the Graph response as evidence plus what it was mapped into. */
export function pageOf(p: GraphPage, entities: Entity[], failures: StreamFailure[] = []): Page {
  return {
    request: { method: 'GET', url: p.url },
    status: p.status,
    contentType: p.contentType,
    body: p.body,
    receivedAt: p.receivedAt,
    entities,
    failures: p.failure ? [...failures, p.failure] : failures,
  };
}
