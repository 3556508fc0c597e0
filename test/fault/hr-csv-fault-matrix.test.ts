import { afterEach, describe, expect } from 'vitest';
import { join } from 'node:path';
import { renderRosterCsv } from '../../fixtures/hr-csv/index.ts';
import { HR_CSV, NOW, RosterFiles, rosterRow, unreadablePath } from '../../connectors/hr-csv/hr-csv-test-harness.ts';
import { collectCell, evaluateSnapshot, matrix, type CellRun } from './fault-matrix.ts';

/**
 * hr-csv reads a file, not an API: the HTTP cells of the matrix cannot happen, and are listed with
 * that reason. The file's own faults (cut off, not UTF-8, wrong shape, unreadable, missing) are
 * cells here. Earlier, narrower tests: connectors/hr-csv/hr-csv-malformed.test.ts.
 */
const files = new RosterFiles();
afterEach(() => files.cleanup());

const rows = [rosterRow(), rosterRow({ employee_id: 'E2', work_email: 'bo.chen@contoso.com', display_name: 'Bo Chen', status: 'terminated', termination_date: '2026-11-01' })];
const GOOD = renderRosterCsv(rows);

async function read(file: string): Promise<CellRun> {
  return collectCell({ connector: HR_CSV, instance: 'hr-fault', config: { file, timezone: 'UTC' }, env: {}, now: () => NOW });
}

function leaversNotPassed(r: CellRun): void {
  expect(evaluateSnapshot(r.snapshot).find((x) => x.ruleId === 'leaver-access')!.status).not.toBe('pass');
}

const NOT_HTTP = 'hr-csv reads a local file; there is no HTTP exchange';

describe('hr-csv fault matrix', () => {
  matrix([
    ...['429 with Retry-After', '429 without Retry-After', '500/502/503/504', 'connection reset', 'timeout', '401 when a token expires mid-paging', '403 missing permission (HTTP)', 'missing licence', 'nextLink loop', 'nextLink to another origin', 'Google 403 quota errors', 'AWS Throttling and credential-report states'].map((cell) => ({ cell, notApplicable: NOT_HTTP })),
    {
      cell: 'truncated file (cut inside a quoted field)',
      stream: 'roster',
      expect: 'invalid',
      run: async () => read(await files.write('cut.csv', `${GOOD}E3,"cy.diaz@contoso.com,Cy`)),
      also: (r) => expect(r.outcomes.get('roster')!.records).toBe(2),
    },
    { cell: 'invalid content (not UTF-8)', stream: 'roster', expect: 'invalid', run: async () => read(await files.write('latin1.csv', Buffer.from(`${GOOD}E3,j@contoso.com,J\xf6rg,active,,,\n`, 'latin1'))), also: leaversNotPassed },
    { cell: 'a file that fails schema validation (mapped column missing)', stream: 'roster', expect: 'invalid', run: async () => read(await files.write('cols.csv', GOOD.replace('termination_date', 'left_on'))), also: leaversNotPassed },
    { cell: 'a file the process may not read (denied)', stream: 'roster', expect: 'denied', run: async () => read(await unreadablePath(files)), also: leaversNotPassed },
    { cell: 'a missing file', stream: 'roster', expect: 'invalid', run: async () => read(join(await files.dir(), 'nope.csv')), also: leaversNotPassed },
  ]);
});
