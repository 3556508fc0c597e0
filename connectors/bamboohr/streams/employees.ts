import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import type { BambooSession } from '../bamboo-call.ts';
import { classifyBambooFailure } from '../bamboo-errors.ts';
import type { BambooHrConfig } from '../config-schema.ts';
import { mapEmployees, REPORT_FIELDS } from '../map-employees.ts';

/**
 * Every employee, former ones included, from one custom report. The directory endpoint would be
 * cheaper but lists current employees only; custom reports return Active and Inactive alike and
 * are not paged (one response holds everyone), so this stream is always one page.
 */
export function employeesStream(session: () => Promise<BambooSession>): Stream<BambooHrConfig> {
  return {
    id: 'employees',
    entity: 'person',
    title: 'Employees, current and former (status, hire and termination dates)',
    async *read(ctx: ConnectorContext<BambooHrConfig>): AsyncGenerator<Page, void, undefined> {
      const s = await session();
      const res = await s.report({ title: 'Evidentia: people and leave dates', fields: REPORT_FIELDS });
      const page = { request: { method: res.method, url: res.url }, status: res.status, contentType: res.contentType, body: res.body, receivedAt: res.receivedAt };
      if (res.status < 200 || res.status >= 300) {
        yield { ...page, entities: [], failures: [classifyBambooFailure(res, ctx.config.subdomain)] };
        return;
      }
      const mapped = mapEmployees(res.body, { source: { org: ctx.org, connector: 'bamboohr', instance: ctx.instance }, timezone: ctx.config.timezone, now: ctx.now() });
      yield { ...page, entities: mapped.entities, failures: mapped.failures };
    },
  };
}
