import type { Entity } from '../../../src/core/model.ts';
import type { Page } from '../../../src/core/connector.ts';
import type { StreamFailure } from '../../../src/core/stream-outcome.ts';
import type { RawPage } from '../directory-call.ts';

/** A raw Google response as a stored page, with what it was mapped into and every failure it carries. */
export function pageOf(p: RawPage, entities: Entity[], failures: readonly StreamFailure[] = []): Page {
  return {
    request: { method: p.method, url: p.url },
    status: p.status,
    contentType: p.contentType,
    body: p.body,
    receivedAt: p.receivedAt,
    entities,
    failures: [...(p.failure ? [p.failure] : []), ...failures],
  };
}
