/**
 * RFC 4180 CSV as spreadsheets read it: a header row, CRLF after every record, a field quoted
 * when it holds a comma, a quote, CR or LF, quotes doubled inside.
 *
 * Formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab or CR would be run as a
 * formula by Excel, LibreOffice and Google Sheets (a display name like `=HYPERLINK(...)` comes from
 * the vendor and anyone can set it). Such cells get a leading `'`, which spreadsheets show as text
 * (OWASP's advice). Numbers are written as numbers and never prefixed, so `-3` stays a number.
 */

export type CsvCell = string | number | boolean | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: CsvCell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvText(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvCell).join(',')}\r\n`).join('');
}

/** Several values in one cell: `a; b`. */
export function listCell(values: readonly string[]): string {
  return values.join('; ');
}
