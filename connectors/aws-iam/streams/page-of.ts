import type { ConnectorContext, Page } from '../../../src/core/connector.ts';
import type { Entity, EntitySource } from '../../../src/core/model.ts';
import type { StreamFailure } from '../../../src/core/stream-outcome.ts';
import type { AwsCallError } from '../aws-errors.ts';
import type { RawResponse } from '../raw-capture.ts';

export function sourceOf(ctx: ConnectorContext<unknown>): EntitySource {
  return { org: ctx.org, connector: 'aws-iam', instance: ctx.instance };
}

/** A stored page: the AWS response as evidence plus what it was mapped into. */
export function pageOf(raw: RawResponse, entities: Entity[], failures: StreamFailure[] = []): Page {
  return {
    request: { method: raw.method, url: raw.url },
    status: raw.status,
    contentType: raw.contentType,
    body: raw.body,
    receivedAt: raw.receivedAt,
    entities,
    failures,
  };
}

/**
 * A page recording a failed call: AWS's error response when one arrived (its body names the
 * principal and the action, never a credential), otherwise an empty body with status 0.
 */
export function failurePage(e: AwsCallError, now: () => Date): Page {
  const raw: RawResponse = e.raw ?? { method: 'POST', url: `aws:${e.action}`, status: 0, contentType: null, body: '', receivedAt: now().toISOString() };
  return pageOf(raw, [], [e.toFailure()]);
}
