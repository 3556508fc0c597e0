/**
 * Reads the credential report CSV by HEADER NAME, never by position: AWS has added columns over the
 * years (the `access_key_*_last_used_*` ones in 2015) and may again. RFC 4180 quoting is honoured
 * (IAM user names may contain commas). A row whose field count differs from the header's is kept
 * aside as malformed, not guessed at.
 */

export const REQUIRED_COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date',
] as const;

export interface ParsedReport {
  header: string[];
  /** Rows as `{column: value}`, with their 1-based line number (the header is line 1). */
  rows: { line: number; values: Record<string, string> }[];
  /** Rows that could not be read: line number and why. */
  malformed: { line: number; why: string }[];
  /** Required columns the header lacks; when any is missing no row is usable. */
  missingColumns: string[];
}

export function parseCredentialReport(csv: string): ParsedReport {
  const records = splitCsv(csv);
  const header = (records[0]?.cells ?? []).map((h) => h.trim());
  const missingColumns = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  const rows: ParsedReport['rows'] = [];
  const malformed: ParsedReport['malformed'] = [];
  for (const r of records.slice(1)) {
    if (r.cells.length === 1 && r.cells[0] === '') continue;
    if (r.error) {
      malformed.push({ line: r.line, why: r.error });
      continue;
    }
    if (r.cells.length !== header.length) {
      malformed.push({ line: r.line, why: `${r.cells.length} fields where the header has ${header.length}` });
      continue;
    }
    rows.push({ line: r.line, values: Object.fromEntries(header.map((h, i) => [h, r.cells[i]!])) });
  }
  return { header, rows, malformed, missingColumns };
}

interface CsvRecord {
  line: number;
  cells: string[];
  error?: string;
}

/** RFC 4180 records: fields separated by commas, optionally quoted, `""` an escaped quote; CRLF or LF. */
function splitCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  let error: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (cell === '') quoted = true;
      else error ??= 'a quote inside an unquoted field';
      if (cell !== '') cell += ch;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      out.push({ line: startLine, cells, ...(error ? { error } : {}) });
      cells = [];
      cell = '';
      error = undefined;
      line++;
      startLine = line;
    } else cell += ch;
  }
  if (quoted) error ??= 'an unterminated quoted field';
  if (cell !== '' || cells.length > 0) {
    cells.push(cell);
    out.push({ line: startLine, cells, ...(error ? { error } : {}) });
  }
  return out;
}
