import type { ConnectorContext } from '../../../src/core/connector.ts';
import type { EntitySource } from '../../../src/core/model.ts';

export function sourceOf(ctx: ConnectorContext<unknown>): EntitySource {
  return { org: ctx.org, connector: 'google-workspace', instance: ctx.instance };
}
