import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRosterCsv, type RosterCsvRow } from '../../fixtures/hr-csv/index.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { generateRoster } from '../../fixtures/hr-csv/index.ts';
import { MAX_ROW_FAILURES } from './map-roster.ts';
import { COLUMNS_ITEM } from './check.ts';
import { FILE_READ } from './permissions.ts';
import { checkRoster, readRoster, rosterRow, RosterFiles, unreadablePath } from './hr-csv-test-harness.ts';

const files = new RosterFiles();
afterAll(() => files.cleanup());

const row = (id: string, over: Partial<Record<string, string | null>> = {}): RosterCsvRow =>
  rosterRow({ employee_id: id, work_email: `${id.toLowerCase()}@contoso.com`, display_name: `Person ${id}`, ...over });
const read = files.read.bind(files);

describe('bad rows become invalid failures naming line and column; the good rows still count', () => {
  it.each([
    ['a bad date', row('E2', { termination_date: '31/12/2026' }), 'line 3, column termination_date: "31/12/2026" is not a date (expected YYYY-MM-DD or an ISO 8601 date-time'],
    ['an impossible date', row('E2', { hire_date: '2026-02-30' }), 'line 3, column hire_date: "2026-02-30" is not a date'],
    ['an unknown status', row('E2', { status: 'On sabbatical' }), 'line 3, column status: "On sabbatical" is not in statusValues (active: active, employed; terminated: terminated, left, inactive; future: future, onboarding, pre-hire); add it there'],
    ['an empty status', row('E2', { status: ' ' }), 'line 3, column status is empty'],
    ['no id and no e-mail', row('', { work_email: '' }), 'line 3: neither employee_id nor work_email has a value'],
    ['an e-mail that is not one', row('E2', { work_email: 'ann lee' }), 'line 3, column work_email: "ann lee" is not an e-mail address'],
    ['a field over 10,000 characters', row('E2', { display_name: 'x'.repeat(10_001) }), 'line 3, column display_name: 10001 characters, more than the 10000 allowed'],
  ])('%s', async (_name, bad, detail) => {
    const r = await read('bad.csv', renderRosterCsv([row('E1'), bad, row('E3')]));
    expect(r.outcome.status).toBe('partial');
    expect(r.people.map((p) => p.key)).toEqual(['E1', 'E3']);
    expect(r.details).toHaveLength(1);
    expect(r.details[0]).toContain(detail);
    expect(r.details[0]).toMatch(/the row was not counted$/);
    expect(r.outcome.failures.every((f) => f.kind === 'invalid')).toBe(true);
  });

  it('lists every problem of a row in one failure', async () => {
    const r = await read('multi.csv', renderRosterCsv([row('E1', { status: 'gone', hire_date: 'soon', termination_date: 'later' })]));
    expect(r.details).toEqual([
      'line 2, column status: "gone" is not in statusValues (active: active, employed; terminated: terminated, left, inactive; future: future, onboarding, pre-hire); add it there if it is a real status; column hire_date: "soon" is not a date (expected YYYY-MM-DD or an ISO 8601 date-time such as 2026-11-19T17:30:00+01:00); column termination_date: "later" is not a date (expected YYYY-MM-DD or an ISO 8601 date-time such as 2026-11-19T17:30:00+01:00); the row was not counted',
    ]);
  });

  it('a wrong column count names the line (a quoted multi-line row counts from its first line)', async () => {
    const text = 'employee_id,work_email,status,hire_date,termination_date\nE1,"a@contoso.com",active,2024-01-01,\n"E2\nstill E2",b@contoso.com,active,2024-01-01,,extra\nE3,c@contoso.com,active\n';
    const r = await read('count.csv', text);
    expect(r.people.map((p) => p.key)).toEqual(['E1']);
    expect(r.details).toEqual([
      'line 3: 6 fields where the header has 5 (a stray delimiter or a missing quote?); the row was not counted',
      'line 5: 3 fields where the header has 5 (a stray delimiter or a missing quote?); the row was not counted',
    ]);
  });

  it('an unclosed quote keeps the rows before it and says which lines were lost', async () => {
    const text = renderRosterCsv([row('E1'), row('E2')], { lineEnding: '\n' }) + 'E3,"e3@contoso.com,active,2024-01-01,,,\nE4,e4@contoso.com,x,active,2024-01-01,,\n';
    const r = await read('unclosed.csv', text);
    expect(r.people.map((p) => p.key)).toEqual(['E1', 'E2']);
    expect(r.details).toEqual(['line 4, column work_email: a quoted field opens here and is never closed, so lines 4–5 were not read; the row was not counted']);
    expect(r.outcome.status).toBe('partial');
  });

  it('duplicate employee ids: a failure names every line, and none of the rows is counted', async () => {
    const r = await read('dup.csv', renderRosterCsv([row('E1'), row('E2'), row('E1', { work_email: 'other@contoso.com' }), row('E3'), row('E1', { status: 'left' })]));
    expect(r.people.map((p) => p.key)).toEqual(['E2', 'E3']);
    expect(r.details).toEqual(['lines 2, 4 and 6 have the same employee_id "E1"; none of them was counted, as nothing says which is right']);
  });

  it('the same e-mail under two employee ids is a rehire, not a duplicate', async () => {
    const r = await read('rehire.csv', renderRosterCsv([row('E1', { status: 'terminated', termination_date: '2025-06-30' }), row('E7', { work_email: 'e1@contoso.com' })]));
    expect(r.outcome.status).toBe('complete');
    expect(r.people.map((p) => [p.key, p.status])).toEqual([
      ['E1', 'terminated'],
      ['E7', 'active'],
    ]);
  });

  it(`past ${MAX_ROW_FAILURES} bad rows the rest are counted in one summary failure`, async () => {
    const rows = Array.from({ length: 130 }, (_, i) => row(`E${i}`, { status: 'nope' }));
    const r = await read('many.csv', renderRosterCsv(rows));
    expect(r.details).toHaveLength(MAX_ROW_FAILURES + 1);
    expect(r.details.at(-1)).toBe('30 more rows were not counted (lines 102–131); fix the ones above and run again to see them');
    expect(r.outcome.status).toBe('failed');
  });
});

describe('a roster that cannot be used at all', () => {
  it('a missing mapped column fails the stream, naming what the header has', async () => {
    const r = await read('cols.csv', 'id,email,status,hire_date,termination_date\nE1,a@contoso.com,active,,\n');
    expect(r.people).toEqual([]);
    expect(r.outcome.status).toBe('failed');
    expect(r.details).toEqual([
      'line 1: the header row has no column "employee_id" (columns.employeeId), "work_email" (columns.email); it has "id", "email", "status", "hire_date", "termination_date". Map the columns in the config or set one to null if the roster does not have it; nothing was counted',
    ]);
    // The page is still stored: it is what was read.
    expect(r.pages[0]!.body).toContain('E1');
  });

  it('a column named twice in the header is ambiguous', async () => {
    const r = await read('twice.csv', 'employee_id,work_email,Status,hire_date,termination_date,status\n');
    expect(r.details[0]).toContain('the header has column "status" 2 times (columns 3, 6)');
  });

  it.each([
    ['empty', '', 'the roster has no readable header row (the file is empty); nothing was counted'],
    ['only a BOM and blank lines', '\uFEFF\r\n\r\n', 'the roster has no readable header row (the file is empty); nothing was counted'],
  ])('%s', async (_name, text, detail) => {
    expect((await read('empty.csv', text)).details).toEqual([detail]);
  });

  it('a missing file is invalid, naming the path; the run does not crash', async () => {
    const missing = join(await files.dir(), 'nope.csv');
    const r = await readRoster({ file: missing });
    expect(r.outcome).toMatchObject({ status: 'failed', pages: 0 });
    expect(r.outcome.failures).toEqual([{ kind: 'invalid', detail: expect.stringContaining(`file not found: ${missing}`) }]);
  });

  it('a directory, a non-UTF-8 file and a file over maxFileBytes are invalid', async () => {
    const dir = join(await files.dir(), 'a-dir');
    await mkdir(dir, { recursive: true });
    const latin1 = Buffer.from('employee_id,work_email,display_name,status,hire_date,termination_date\nE1,a@contoso.com,J\xf6rg,active,,\n', 'latin1');
    for (const [config, text] of [
      [{ file: dir }, 'is a directory'],
      [{ file: await files.write('latin1.csv', latin1) }, 'is not valid UTF-8; export it as "CSV UTF-8"'],
      [{ file: await files.write('big.csv', renderRosterCsv([row('E1')])), maxFileBytes: 50 }, 'more than maxFileBytes (50); nothing was read'],
    ] as const) {
      const r = await readRoster(config);
      expect(r.outcome.failures).toEqual([{ kind: 'invalid', detail: expect.stringContaining(text) }]);
    }
  });

  it('a file the process may not read is denied', async () => {
    const r = await readRoster({ file: await unreadablePath(files) });
    expect(r.outcome.failures).toEqual([{ kind: 'denied', detail: expect.stringMatching(/EACCES\): the user running Evidentia has no read permission/) }]);
  });
});

describe('check', () => {
  it('reads the file and its header without mapping rows', async () => {
    const file = await files.write('check.csv', generateRoster({ m365: generateTenant() }).csv({ delimiter: ';' }));
    const items = await checkRoster({ file });
    expect(items.map((i) => [i.name, i.status])).toEqual([
      ['credentials', 'ok'],
      [FILE_READ, 'ok'],
      [COLUMNS_ITEM, 'ok'],
    ]);
    expect(items[2]!.detail).toBe('header found with delimiter ";": employee_id, work_email, display_name, status, hire_date, termination_date, manager_email');
  });

  it('fails the file item for a missing file and the columns item for a renamed column', async () => {
    const missing = await checkRoster({ file: join(await files.dir(), 'none.csv') });
    expect(missing.map((i) => i.status)).toEqual(['ok', 'failed', 'not_checked']);
    const renamed = await checkRoster({ file: await files.write('renamed.csv', 'employee_id,work_email,state,hire_date,termination_date\n') });
    expect(renamed[2]).toMatchObject({ name: COLUMNS_ITEM, status: 'failed', detail: expect.stringContaining('no column "status" (columns.status)') });
  });
});

describe('config', () => {
  it.each([
    [{ file: 'x.csv', columns: { employeeId: null, email: null } }, 'employeeId and email cannot both be null'],
    [{ file: 'x.csv', statusValues: { active: ['active', 'Left'] } }, 'a status value appears in more than one list'],
    [{ file: 'x.csv', encoding: 'latin1' }, ''],
    [{ file: '' }, 'the path of the roster CSV file'],
  ])('refuses %j', async (config, message) => {
    const { connector } = await import('./index.ts');
    const parsed = connector.configSchema.safeParse(config);
    expect(parsed.success).toBe(false);
    if (message) expect(JSON.stringify(parsed.error?.issues)).toContain(message);
  });
});
