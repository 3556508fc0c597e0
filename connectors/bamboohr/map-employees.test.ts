import { describe, expect, it } from 'vitest';
import { bambooHrConfigSchema } from './config-schema.ts';
import { mapEmployees, REPORT_FIELDS } from './map-employees.ts';

const source = { org: 'acme', connector: 'bamboohr', instance: 'b' };
const opts = { source, timezone: 'UTC', now: new Date('2026-11-20T10:00:00Z') };
const fields = REPORT_FIELDS.map((id) => ({ id, type: 'text', name: id }));
const emp = (over: Record<string, unknown> = {}) => ({
  id: '7',
  employeeNumber: 'E7',
  displayName: 'Ann Lee',
  firstName: 'Ann',
  lastName: 'Lee',
  workEmail: 'ann@contoso.com',
  status: 'Active',
  hireDate: '2024-01-15',
  terminationDate: '0000-00-00',
  ...over,
});
const map = (employees: unknown[], f: unknown[] = fields) => mapEmployees(JSON.stringify({ title: 'Report', fields: f, employees }), opts);

describe('mapEmployees', () => {
  it('maps BambooHR values: 0000-00-00 is no date, blanks are null, numeric ids become strings', () => {
    const { entities, failures } = map([emp({ id: 8, workEmail: '', displayName: null, hireDate: '0000-00-00' })]);
    expect(failures).toEqual([]);
    expect(entities).toEqual([
      { kind: 'person', key: '8', source, employeeId: 'E7', email: null, displayName: 'Ann Lee', status: 'active', hireDate: null, leaveDate: null },
    ]);
  });

  it('Inactive is terminated; Active with a later hire date is future; an Active termination date is kept as the leave date', () => {
    const { entities } = map([
      emp({ id: '1', status: 'Inactive', terminationDate: '2026-11-18' }),
      emp({ id: '2', hireDate: '2026-12-01' }),
      emp({ id: '3', terminationDate: '2026-11-30' }),
      emp({ id: '4', status: 'Inactive' }),
    ]);
    expect(entities.map((p) => [p.key, p.status, p.hireDate, p.leaveDate])).toEqual([
      ['1', 'terminated', '2024-01-15T00:00:00.000Z', '2026-11-19T00:00:00.000Z'],
      ['2', 'future', '2026-12-01T00:00:00.000Z', null],
      ['3', 'active', '2024-01-15T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
      // Inactive with no termination date: left, when is unknown.
      ['4', 'terminated', '2024-01-15T00:00:00.000Z', null],
    ]);
  });

  it('a record it cannot trust is an invalid failure naming the employee; the others still count', () => {
    const { entities, failures } = map([
      emp({ id: '1' }),
      emp({ id: '2', status: 'Suspended' }),
      emp({ id: '3', terminationDate: '2026-13-01' }),
      emp({ id: '' }),
      emp({ id: '5', hireDate: '15/01/2024' }),
    ]);
    expect(entities.map((p) => p.key)).toEqual(['1']);
    expect(failures).toEqual([
      { kind: 'invalid', detail: 'employee id 2: status "Suspended" is neither Active nor Inactive; the employee was not counted' },
      { kind: 'invalid', detail: 'employee id 3: terminationDate "2026-13-01" is not a date (BambooHR writes YYYY-MM-DD); the employee was not counted' },
      { kind: 'invalid', detail: 'employee #4 in the report: id: Too small: expected string to have >=1 characters; the employee was not counted' },
      { kind: 'invalid', detail: 'employee id 5: hireDate "15/01/2024" is not a date (BambooHR writes YYYY-MM-DD); the employee was not counted' },
    ]);
  });

  it('duplicate ids are left out, all of them', () => {
    const { entities, failures } = map([emp({ id: '1' }), emp({ id: '2' }), emp({ id: '1', status: 'Inactive' })]);
    expect(entities.map((p) => p.key)).toEqual(['2']);
    expect(failures).toEqual([{ kind: 'invalid', detail: 'employee id 1 appears 2 times in the report; none of them was counted, as nothing says which is right' }]);
  });

  it('falls back from display name to first and last name, then e-mail, then the id', () => {
    const f = fields.filter((x) => x.id !== 'displayName');
    const { entities, failures } = map([emp({ id: '1', displayName: undefined }), emp({ id: '2', displayName: undefined, firstName: null, lastName: null }), emp({ id: '3', displayName: undefined, firstName: null, lastName: null, workEmail: null })], f);
    expect(failures).toEqual([]);
    expect(entities.map((p) => p.displayName)).toEqual(['Ann Lee', 'ann@contoso.com', 'BambooHR employee 3']);
  });

  it('an answer that is not a report is invalid', () => {
    expect(mapEmployees('{"employees":"no"}', opts).failures[0]!.detail).toMatch(/^BambooHR's custom report was not understood/);
    expect(mapEmployees('<html>', opts).failures[0]!.kind).toBe('invalid');
  });
});

describe('config', () => {
  const ok = { subdomain: 'contoso', apiKey: { env: 'K' } };
  it('accepts the minimal block and fills defaults', () => {
    expect(bambooHrConfigSchema.parse(ok)).toEqual({ ...ok, endpoints: {}, timezone: 'UTC' });
  });

  it.each([
    [{ ...ok, apiKey: 'literal-key' }, 'apiKey'],
    [{ ...ok, subdomain: 'contoso.bamboohr.com' }, 'subdomain'],
    [{ ...ok, endpoints: { api: 'http://bamboo.example.com/api/gateway.php/contoso/v1' } }, 'endpoints'],
    [{ ...ok, endpoints: { api: 'https://proxy.example.com/v1?key=1' } }, 'endpoints'],
    [{ ...ok, timezone: 'CET+1' }, 'timezone'],
    [{ ...ok, extra: 1 }, ''],
  ])('refuses %j', (config, path) => {
    const r = bambooHrConfigSchema.safeParse(config);
    expect(r.success).toBe(false);
    if (path) expect(r.error!.issues[0]!.path[0]).toBe(path);
  });
});
