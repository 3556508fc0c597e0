import { z } from 'zod';
import type { EntitySource, Person } from '../../src/core/model.ts';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import { FIELD_ACCESS } from './permissions.ts';
import { isCalendarDate, nextDay, startOfDay, type CalendarDate } from '../../src/core/zoned-time.ts';

/** The custom report's fields (BambooHR field names, documentation.bamboohr.com "Field Names"). */
export const REPORT_FIELDS = ['id', 'employeeNumber', 'displayName', 'firstName', 'lastName', 'workEmail', 'status', 'hireDate', 'terminationDate'] as const;

/** Fields whose absence leaves a person field unknown for everyone: which one, and how BambooHR labels it. */
const NEEDED: Record<string, { field: keyof Person; label: string }> = {
  status: { field: 'status', label: 'Status' },
  terminationDate: { field: 'leaveDate', label: 'Termination Date' },
  hireDate: { field: 'hireDate', label: 'Hire Date' },
  workEmail: { field: 'email', label: 'Work Email' },
  employeeNumber: { field: 'employeeId', label: 'Employee #' },
};

const report = z
  .object({
    title: z.string().nullish(),
    fields: z.array(z.object({ id: z.union([z.string(), z.number()]).transform(String) }).loose()),
    employees: z.array(z.record(z.string(), z.unknown())),
  })
  .loose();

/** BambooHR sends every value as a string (ids sometimes as numbers); blank means none. */
const value = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : String(v).trim() || null));
const employee = z.object({
  id: z.union([z.string().trim().min(1), z.number().int()]).transform(String),
  employeeNumber: value,
  displayName: value,
  firstName: value,
  lastName: value,
  workEmail: value,
  status: value,
  hireDate: value,
  terminationDate: value,
});

export interface MapOptions {
  source: EntitySource;
  timezone: string;
  now: Date;
}

/**
 * The report body → people. Dates follow the hr-csv rule: the termination date is the last working
 * day (left at 00:00 of the next day in `timezone`), the hire date the first (00:00 of it).
 * `Inactive` is `terminated`; `Active` with a hire date after now is `future`. A termination date on
 * an `Active` employee is kept as the leave date: it is either still to come (a scheduled leaver,
 * which `onlyCurrent=false` reveals) or passed today before BambooHR's flip to Inactive.
 */
export function mapEmployees(body: string, opts: MapOptions): { entities: Person[]; failures: StreamFailure[] } {
  let parsed: z.infer<typeof report>;
  try {
    const result = report.safeParse(JSON.parse(body));
    if (!result.success) throw new Error(`${result.error.issues[0]?.message ?? 'unexpected shape'} at ${result.error.issues[0]?.path.join('.') ?? ''}`);
    parsed = result.data;
  } catch (e) {
    return { entities: [], failures: [{ kind: 'invalid', detail: `BambooHR's custom report was not understood (${(e as Error).message}); nobody was counted` }] };
  }
  const returned = new Set(parsed.fields.map((f) => f.id));
  const failures: StreamFailure[] = [];
  for (const [name, need] of Object.entries(NEEDED)) {
    if (!returned.has(name)) failures.push(hidden(name, need.label, need.field));
  }
  if (!returned.has('displayName') && !(returned.has('firstName') && returned.has('lastName'))) failures.push(hidden('displayName', 'Display name', 'displayName'));

  const people: Person[] = [];
  parsed.employees.forEach((raw, i) => {
    const out = mapOne(raw, returned, opts);
    if ('person' in out) people.push(out.person);
    else failures.push({ kind: 'invalid', detail: `${describe(raw, i)}: ${out.problems.join('; ')}; the employee was not counted` });
  });
  const seen = new Map<string, number>();
  for (const p of people) seen.set(p.key, (seen.get(p.key) ?? 0) + 1);
  for (const [key, n] of seen) if (n > 1) failures.push({ kind: 'invalid', detail: `employee id ${key} appears ${n} times in the report; none of them was counted, as nothing says which is right` });
  return { entities: people.filter((p) => seen.get(p.key) === 1), failures };
}

function mapOne(raw: Record<string, unknown>, returned: Set<string>, opts: MapOptions): { person: Person } | { problems: string[] } {
  const r = employee.safeParse(raw);
  if (!r.success) return { problems: [`${r.error.issues[0]?.path.join('.') || 'record'}: ${r.error.issues[0]?.message ?? 'not understood'}`] };
  const e = r.data;
  const problems: string[] = [];
  const date = (name: 'hireDate' | 'terminationDate'): CalendarDate | null => {
    const v = e[name];
    if (v === null || v === '0000-00-00') return null;
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
    const d = m ? { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) } : null;
    if (!d || !isCalendarDate(d)) problems.push(`${name} ${JSON.stringify(v.slice(0, 40))} is not a date (BambooHR writes YYYY-MM-DD)`);
    return d && isCalendarDate(d) ? d : null;
  };
  const hired = date('hireDate');
  const left = date('terminationDate');
  if (returned.has('status') && e.status !== 'Active' && e.status !== 'Inactive') problems.push(`status ${JSON.stringify(e.status)} is neither Active nor Inactive`);
  if (problems.length > 0) return { problems };

  const hireMs = hired ? startOfDay(hired, opts.timezone) : null;
  const status: Person['status'] = !returned.has('status') ? 'unknown' : e.status === 'Inactive' ? 'terminated' : hireMs !== null && hireMs > opts.now.getTime() ? 'future' : 'active';
  const name = e.displayName ?? ([e.firstName, e.lastName].filter((x) => x !== null).join(' ') || null);
  return {
    person: {
      kind: 'person',
      key: e.id,
      source: opts.source,
      employeeId: e.employeeNumber,
      email: e.workEmail,
      // Kept exactly as BambooHR has it: no Unicode normalisation, no case change.
      displayName: name ?? e.workEmail ?? `BambooHR employee ${e.id}`,
      status,
      hireDate: hireMs === null ? null : new Date(hireMs).toISOString(),
      leaveDate: left ? new Date(startOfDay(nextDay(left), opts.timezone)).toISOString() : null,
    },
  };
}

function hidden(name: string, label: string, field: keyof Person): StreamFailure {
  return {
    kind: 'denied',
    field,
    detail: `BambooHR left "${name}" (${label}) out of the custom report, which it does for fields the API key's user may not see; every person's ${field} is unknown`,
    needs: FIELD_ACCESS,
  };
}

function describe(raw: Record<string, unknown>, i: number): string {
  const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? String(raw.id).slice(0, 40) : null;
  return id ? `employee id ${id}` : `employee #${i + 1} in the report`;
}
