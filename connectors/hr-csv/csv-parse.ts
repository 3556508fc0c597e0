/**
 * A small RFC 4180 reader (no new packages): quoted fields may hold the delimiter, doubled quotes
 * and line breaks; records end at CRLF, LF or a lone CR. Every record keeps the line it STARTS on,
 * so a failure can name the line a person sees in their editor. Syntax problems are reported per
 * record and never stop the rest of the file, except a quote that is never closed, which swallows
 * everything after it.
 */

export type Delimiter = ',' | ';' | '\t';

export interface CsvRecord {
  /** 1-based line the record starts on (the header is line 1, after an optional BOM). */
  line: number;
  fields: string[];
}

export interface CsvProblem {
  line: number;
  /** 0-based field the problem is in, when it is about one field. */
  field?: number;
  message: string;
}

export interface CsvParse {
  records: CsvRecord[];
  problems: CsvProblem[];
}

const BOM = 0xfeff;

export function stripBom(text: string): string {
  return text.charCodeAt(0) === BOM ? text.slice(1) : text;
}

/**
 * `,` or `;`, whichever occurs more often outside quotes on the first line (the header). Excel
 * writes `;` where the decimal separator is a comma (most of Europe). A tie, e.g. a one-column
 * file, is `,`.
 */
export function detectDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (const c of stripBom(text)) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) break;
    else if (!quoted && c === ',') commas++;
    else if (!quoted && c === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

export function parseCsv(input: string, delimiter: Delimiter): CsvParse {
  const text = stripBom(input);
  const n = text.length;
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  let i = 0;
  let line = 1;
  const endOfField = (at: number): boolean => at >= n || text[at] === delimiter || text[at] === '\n' || text[at] === '\r';

  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let problem: CsvProblem | null = null;
    for (;;) {
      let value: string;
      if (text[i] === '"') {
        const opened = line;
        const parts: string[] = [];
        let j = i + 1;
        let closed = false;
        while (j < n) {
          const q = text.indexOf('"', j);
          const chunk = text.slice(j, q === -1 ? n : q);
          parts.push(chunk);
          line += lineBreaks(chunk);
          if (q === -1) break;
          if (text[q + 1] === '"') {
            parts.push('"');
            j = q + 2;
            continue;
          }
          j = q + 1;
          closed = true;
          break;
        }
        if (!closed) {
          // A final line break ends the last line; it does not start another.
          const last = /[\r\n]$/.test(text) ? line - 1 : line;
          const lines = last > opened ? `lines ${opened}–${last} were` : `line ${opened} was`;
          problems.push({ line: opened, field: fields.length, message: `a quoted field opens here and is never closed, so ${lines} not read` });
          return { records, problems };
        }
        value = parts.join('');
        i = j;
        if (!endOfField(i)) {
          // `"abc"def`: RFC 4180 allows nothing between a closing quote and the delimiter.
          problem ??= { line: start, field: fields.length, message: 'text follows the closing quote of a quoted field' };
          while (!endOfField(i)) i++;
        }
      } else {
        const from = i;
        while (!endOfField(i)) i++;
        value = text.slice(from, i);
      }
      fields.push(value);
      if (i < n && text[i] === delimiter) {
        i++;
        continue;
      }
      if (i < n) {
        i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
        line++;
      }
      break;
    }
    // Blank lines separate nothing in a roster; skipping them loses no data.
    if (fields.length === 1 && fields[0] === '' && !problem) continue;
    if (problem) problems.push(problem);
    else records.push({ line: start, fields });
  }
  return { records, problems };
}

function lineBreaks(s: string): number {
  let count = 0;
  for (let k = 0; k < s.length; k++) {
    if (s[k] === '\n') count++;
    else if (s[k] === '\r' && s[k + 1] !== '\n') count++;
  }
  return count;
}
