/**
 * RFC 4180 CSV: every field quoted, quotes doubled, CRLF line ends. A field a spreadsheet would run
 * as a formula (starting with =, +, -, @, tab or CR) gets a leading apostrophe: tenant data is
 * hostile input, and auditors open these files in Excel.
 */
export function csvText(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string | number | null): string {
  let s = value === null ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}
