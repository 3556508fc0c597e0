import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { generateRoster, renderRosterCsv } from '../../fixtures/hr-csv/index.ts';
import { rosterRow, RosterFiles } from './hr-csv-test-harness.ts';

const files = new RosterFiles();
afterAll(() => files.cleanup());

const demo = generateRoster({ m365: generateTenant() });
const row = rosterRow;
const read = files.read.bind(files);

describe('the demo roster', async () => {
  const text = demo.csv({ bom: true });
  const r = await read('demo.csv', text);

  it('maps every row into a person and stores the file byte for byte as the page', async () => {
    expect(r.outcome).toMatchObject({ status: 'complete', pages: 1, records: demo.scenario.counts.rows, failures: [] });
    const [page] = r.pages;
    expect(Buffer.from(page!.body, 'utf8').equals(await readFile(await files.write('again.csv', text)))).toBe(true);
    expect(page!.body.startsWith('\uFEFF')).toBe(true);
    expect(page!.request).toEqual({ method: 'READ', url: pathToFileURL(await files.write('demo.csv', text)).href });
    expect(page!.contentType).toBe('text/csv; charset=utf-8');
  });

  it('dates the still-enabled leaver at the end of their last working day (UTC roster)', () => {
    const { leaver } = demo.scenario;
    const p = r.people.find((x) => x.employeeId === leaver!.employeeId)!;
    expect(p).toMatchObject({ status: 'terminated', email: leaver!.email, leaveDate: '2026-11-20T00:00:00.000Z' });
    // Entra says 03:00 on the same day (30 h before now): the roster (end of day) is 21 hours later, never earlier.
    expect(leaver!.entraLeaveDateTime).toBe('2026-11-19T03:00:00Z');
  });

  it('keeps statuses, the future hire, people without e-mail and odd Unicode names as written', () => {
    expect(r.people.filter((p) => p.status === 'future').map((p) => p.employeeId)).toEqual(demo.scenario.future.map((f) => f.employeeId));
    const sam = r.people.find((p) => p.employeeId === 'H00002')!;
    expect(sam).toMatchObject({ key: 'H00002', email: null, displayName: "Sam O'Brien, Jr.", status: 'active' });
    const zoe = r.people.find((p) => p.employeeId === 'H00001')!;
    expect(zoe.displayName).toBe('Zoe\u0308 Nu\u0301n\u0303ez-Åkesson (ゾエ)');
    expect(zoe.displayName.normalize('NFC')).not.toBe(zoe.displayName);
  });

  it('carries the deliberately conflicting termination date through unchanged', () => {
    const { conflict } = demo.scenario;
    const p = r.people.find((x) => x.employeeId === conflict!.employeeId)!;
    expect(p.leaveDate).toBe(new Date(Date.parse(`${conflict!.rosterTerminationDate}T00:00:00Z`) + 86_400_000).toISOString());
    expect(Date.parse(p.leaveDate!) - Date.parse(conflict!.entraLeaveDateTime)).toBeGreaterThan(13 * 86_400_000);
  });
});

describe('file formats', () => {
  it('reads a semicolon roster with a BOM, LF line endings and quoted fields', async () => {
    const text = renderRosterCsv([row({ display_name: 'Lee; Ann' }), row({ employee_id: 'E2', work_email: 'bo@contoso.com', display_name: 'Bo\nTwo lines' })], { delimiter: ';', bom: true, lineEnding: '\n' });
    const r = await read('semi.csv', text);
    expect(r.outcome.status).toBe('complete');
    expect(r.people.map((p) => p.displayName)).toEqual(['Lee; Ann', 'Bo\nTwo lines']);
  });

  it('matches headers case-insensitively, in any order, with extra columns', async () => {
    const text = ' Termination_Date ,STATUS,Hire_Date,Cost Centre,Work_Email,Employee_ID\n,Employed,2024-01-01,CC1,x@contoso.com,E9\n';
    const r = await read('order.csv', text);
    expect(r.people).toEqual([expect.objectContaining({ key: 'E9', email: 'x@contoso.com', displayName: 'x@contoso.com', status: 'active', hireDate: '2024-01-01T00:00:00.000Z' })]);
  });

  it('keys people by normalised e-mail when the roster has no employee ids', async () => {
    const text = renderRosterCsv([row({ employee_id: undefined, work_email: ' Ann.Lee@Contoso.COM ' })], { columns: ['work_email', 'status', 'hire_date', 'termination_date'] });
    const r = await read('no-ids.csv', text, { columns: { employeeId: null } });
    expect(r.people).toEqual([expect.objectContaining({ key: 'ann.lee@contoso.com', email: 'Ann.Lee@Contoso.COM', employeeId: null })]);
  });

  it('honours the configured delimiter and date format', async () => {
    const text = 'employee_id\twork_email\tstatus\thire_date\ttermination_date\nE1\ta@contoso.com\tleft\t15/01/2024\t19/11/2026\n';
    const r = await read('tab.csv', text, { delimiter: '\t', dateFormat: 'DD/MM/YYYY' });
    expect(r.people).toEqual([expect.objectContaining({ status: 'terminated', hireDate: '2024-01-15T00:00:00.000Z', leaveDate: '2026-11-20T00:00:00.000Z' })]);
  });

  it('a header-only roster is complete with no people', async () => {
    const r = await read('header-only.csv', renderRosterCsv([]));
    expect(r.outcome).toMatchObject({ status: 'complete', records: 0 });
  });
});

describe('time zones', () => {
  it('Europe/London across both DST changes, America/New_York, and offsets as written', async () => {
    const text = renderRosterCsv([
      row({ employee_id: 'L1', termination_date: '2026-03-29', hire_date: '2026-03-30' }),
      row({ employee_id: 'L2', termination_date: '2026-10-25', hire_date: '2026-10-25' }),
      row({ employee_id: 'L3', termination_date: '2026-11-19T17:30:00-05:00' }),
    ]);
    const london = await read('london.csv', text, { timezone: 'Europe/London' });
    expect(london.people.map((p) => [p.key, p.hireDate, p.leaveDate])).toEqual([
      ['L1', '2026-03-29T23:00:00.000Z', '2026-03-29T23:00:00.000Z'],
      ['L2', '2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z'],
      ['L3', '2024-01-15T00:00:00.000Z', '2026-11-19T22:30:00.000Z'],
    ]);
    const ny = await read('ny.csv', text, { timezone: 'America/New_York' });
    expect(ny.people.map((p) => p.leaveDate)).toEqual(['2026-03-30T04:00:00.000Z', '2026-10-26T04:00:00.000Z', '2026-11-19T22:30:00.000Z']);
  });

  it('refuses a zone that does not exist', async () => {
    await expect(read('tz.csv', renderRosterCsv([row()]), { timezone: 'Europe/Londres' })).rejects.toThrow(/IANA time zone/);
  });
});
