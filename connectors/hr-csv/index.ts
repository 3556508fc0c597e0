import type { Connector } from '../../src/core/connector.ts';
import { checkHrCsv } from './check.ts';
import { hrCsvConfigSchema, type HrCsvConfig } from './config-schema.ts';
import { HR_CSV_PERMISSIONS } from './permissions.ts';
import { rosterStream } from './streams/roster.ts';

/**
 * An HR roster exported as CSV (any HR system, or a spreadsheet): who works here, who left and
 * when. Reads one local file; no network, no credentials.
 */
export const connector: Connector<HrCsvConfig> = {
  id: 'hr-csv',
  title: 'HR roster (CSV file)',
  configSchema: hrCsvConfigSchema,
  permissions: HR_CSV_PERMISSIONS,
  check: checkHrCsv,
  streams() {
    return [rosterStream()];
  },
};
