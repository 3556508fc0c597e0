import type { EntitySource, Person } from '../../src/core/model.ts';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import { MAX_FIELD_CHARS, type HrCsvConfig } from './config-schema.ts';
import { detectDelimiter, parseCsv, type CsvRecord, type Delimiter } from './csv-parse.ts';
import { expectedFormats, hireInstant, leaveInstant, parseRosterWhen } from './roster-dates.ts';
import { resolveHeader, type RosterHeader } from './roster-header.ts';

export interface RosterMapping {
  delimiter: Delimiter;
  entities: Person[];
  failures: StreamFailure[];
}

/** Past this many row failures the rest are counted in one summary failure, so a broken file can't flood the store. */
export const MAX_ROW_FAILURES = 100;

type Status = Person['status'];

/**
 * The roster text (BOM included) → one `person` per good row. A row that cannot be trusted (no id
 * and no e-mail, a date that is not a date, a status the config does not name, a wrong number of
 * fields, a field over 10,000 characters) is never guessed at: it becomes an `invalid` failure
 * naming its line and column, and the stream is `partial`. Rows sharing a key are all left out,
 * because nothing says which one is right.
 */
export function mapRoster(text: string, config: HrCsvConfig, source: EntitySource): RosterMapping {
  const delimiter = config.delimiter === 'auto' ? detectDelimiter(text) : config.delimiter;
  const parsed = parseCsv(text, delimiter);
  const first = parsed.records[0];
  const firstProblem = parsed.problems[0];
  if (!first || (firstProblem && firstProblem.line <= first.line)) {
    const why = firstProblem ? `line ${firstProblem.line}: ${firstProblem.message}` : 'the file is empty';
    return { delimiter, entities: [], failures: [{ kind: 'invalid', detail: `the roster has no readable header row (${why}); nothing was counted` }] };
  }
  const resolved = resolveHeader(first.fields, config.columns);
  if ('error' in resolved) return { delimiter, entities: [], failures: [{ kind: 'invalid', detail: `line ${first.line}: ${resolved.error}; nothing was counted` }] };
  const { header } = resolved;

  const rowFailures: { line: number; detail: string }[] = parsed.problems.map((p) => ({
    line: p.line,
    detail: `line ${p.line}${p.field !== undefined ? `, column ${columnName(header, p.field)}` : ''}: ${p.message}; the row was not counted`,
  }));
  const statusOf = statusLookup(config.statusValues);
  const rows: { line: number; person: Person }[] = [];
  for (const record of parsed.records.slice(1)) {
    const out = mapRow(record, header, config, statusOf, source);
    if ('person' in out) rows.push({ line: record.line, person: out.person });
    else rowFailures.push({ line: record.line, detail: `line ${record.line}${out.problems[0]!.startsWith('column ') ? ', ' : ': '}${out.problems.join('; ')}; the row was not counted` });
  }
  const { kept, duplicates } = dropDuplicates(rows, header);
  rowFailures.push(...duplicates);
  rowFailures.sort((a, b) => a.line - b.line);
  return { delimiter, entities: kept, failures: capped(rowFailures) };
}

function mapRow(record: CsvRecord, header: RosterHeader, config: HrCsvConfig, statusOf: Map<string, Status>, source: EntitySource): { person: Person } | { problems: string[] } {
  if (record.fields.length !== header.names.length) {
    return { problems: [`${record.fields.length} fields where the header has ${header.names.length} (a stray delimiter or a missing quote?)`] };
  }
  const problems: string[] = [];
  record.fields.forEach((f, i) => {
    if (f.length > MAX_FIELD_CHARS) problems.push(`column ${columnName(header, i)}: ${f.length} characters, more than the ${MAX_FIELD_CHARS} allowed`);
  });
  if (problems.length > 0) return { problems };
  const cell = (key: keyof RosterHeader['index']): string | null => {
    const i = header.index[key];
    const v = i === undefined ? '' : record.fields[i]!.trim();
    return v === '' ? null : v;
  };
  const name = (key: keyof RosterHeader['index']): string => columnName(header, header.index[key]!);

  const employeeId = cell('employeeId');
  const email = cell('email');
  if (employeeId === null && email === null) problems.push(`neither ${[header.index.employeeId, header.index.email].filter((i) => i !== undefined).map((i) => columnName(header, i!)).join(' nor ')} has a value`);
  if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) problems.push(`column ${name('email')}: ${quote(email)} is not an e-mail address`);

  const rawStatus = cell('status');
  const status = rawStatus === null ? undefined : statusOf.get(rawStatus.toLowerCase());
  if (rawStatus === null) problems.push(`column ${name('status')} is empty`);
  else if (status === undefined) problems.push(`column ${name('status')}: ${quote(rawStatus)} is not in statusValues (${describeValues(config.statusValues)}); add it there if it is a real status`);

  const date = (key: 'hireDate' | 'terminationDate'): ReturnType<typeof parseRosterWhen> => {
    const raw = cell(key);
    // BambooHR and others export "no date" as 0000-00-00.
    if (raw === null || raw === '0000-00-00') return null;
    const when = parseRosterWhen(raw, config.dateFormat, config.timezone);
    if (!when) problems.push(`column ${name(key)}: ${quote(raw)} is not a date (expected ${expectedFormats(config.dateFormat)})`);
    return when;
  };
  const hired = date('hireDate');
  const left = date('terminationDate');
  if (problems.length > 0 || status === undefined) return { problems };

  return {
    person: {
      kind: 'person',
      key: employeeId ?? email!.toLowerCase(),
      source,
      employeeId,
      email,
      // Names are kept exactly as written: no Unicode normalisation, no case change.
      displayName: cell('displayName') ?? email ?? employeeId!,
      status,
      hireDate: hired ? hireInstant(hired, config.timezone) : null,
      leaveDate: left ? leaveInstant(left, config.timezone) : null,
    },
  };
}

function dropDuplicates(rows: { line: number; person: Person }[], header: RosterHeader): { kept: Person[]; duplicates: { line: number; detail: string }[] } {
  const byKey = new Map<string, number[]>();
  for (const r of rows) byKey.set(r.person.key, [...(byKey.get(r.person.key) ?? []), r.line]);
  const duplicates: { line: number; detail: string }[] = [];
  for (const [key, lines] of byKey) {
    if (lines.length < 2) continue;
    const sample = rows.find((r) => r.line === lines[0])!.person;
    const what = sample.employeeId !== null ? `${columnName(header, header.index.employeeId!)} ${quote(key)}` : `${columnName(header, header.index.email!)} ${quote(key)} and no employee id`;
    duplicates.push({ line: lines[0]!, detail: `lines ${listOf(lines)} have the same ${what}; none of them was counted, as nothing says which is right` });
  }
  const dropped = new Set(duplicates.length > 0 ? [...byKey].filter(([, l]) => l.length > 1).map(([k]) => k) : []);
  return { kept: rows.filter((r) => !dropped.has(r.person.key)).map((r) => r.person), duplicates };
}

function capped(rowFailures: { line: number; detail: string }[]): StreamFailure[] {
  const shown = rowFailures.slice(0, MAX_ROW_FAILURES).map((f): StreamFailure => ({ kind: 'invalid', detail: f.detail }));
  const rest = rowFailures.slice(MAX_ROW_FAILURES);
  if (rest.length > 0) {
    shown.push({ kind: 'invalid', detail: `${rest.length} more rows were not counted (lines ${rest[0]!.line}–${rest.at(-1)!.line}); fix the ones above and run again to see them` });
  }
  return shown;
}

function statusLookup(values: HrCsvConfig['statusValues']): Map<string, Status> {
  const map = new Map<string, Status>();
  for (const status of ['active', 'terminated', 'future', 'unknown'] as const) for (const v of values[status]) map.set(v.toLowerCase(), status);
  return map;
}

function describeValues(values: HrCsvConfig['statusValues']): string {
  return (['active', 'terminated', 'future', 'unknown'] as const)
    .filter((s) => values[s].length > 0)
    .map((s) => `${s}: ${values[s].join(', ')}`)
    .join('; ');
}

function columnName(header: RosterHeader, i: number): string {
  const n = header.names[i];
  return n ? n : `#${i + 1}`;
}

/** A cell value in a message: quoted, cut short, control characters shown as escapes. */
function quote(v: string): string {
  return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
}

function listOf(lines: number[]): string {
  return lines.length <= 2 ? lines.join(' and ') : `${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
}
