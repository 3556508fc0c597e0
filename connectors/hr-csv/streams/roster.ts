import type { ConnectorContext, Page, Stream } from '../../../src/core/connector.ts';
import type { HrCsvConfig } from '../config-schema.ts';
import { mapRoster } from '../map-roster.ts';
import { readRosterFile } from '../read-roster.ts';

/**
 * The whole roster as one page: the file's text exactly as read (BOM included) is the evidence,
 * requested as `READ file://…`. A file that cannot be read at all throws (the collector records
 * `denied` or `invalid`); a file that reads but has bad rows yields its page with a failure per row.
 */
export function rosterStream(): Stream<HrCsvConfig> {
  return {
    id: 'roster',
    entity: 'person',
    title: 'People from the HR roster CSV (status, hire and termination dates)',
    async *read(ctx: ConnectorContext<HrCsvConfig>): AsyncGenerator<Page, void, undefined> {
      const file = await readRosterFile(ctx.config.file, ctx.config.maxFileBytes);
      const source = { org: ctx.org, connector: 'hr-csv', instance: ctx.instance };
      const mapped = mapRoster(file.text, ctx.config, source);
      ctx.log.debug({ entity: 'person', bytes: file.bytes, people: mapped.entities.length, failures: mapped.failures.length }, 'roster read');
      yield {
        request: { method: 'READ', url: file.url },
        status: 200,
        contentType: 'text/csv; charset=utf-8',
        body: file.text,
        receivedAt: ctx.now().toISOString(),
        entities: mapped.entities,
        failures: mapped.failures,
      };
    },
  };
}
