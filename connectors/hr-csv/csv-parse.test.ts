import { describe, expect, it } from 'vitest';
import { detectDelimiter, parseCsv } from './csv-parse.ts';

describe('parseCsv', () => {
  it('reads RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,," "\r\n';
    const { records, problems } = parseCsv(text, ',');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\r\nlines'] },
      // The record after a two-line field starts on line 4.
      { line: 4, fields: ['plain', '', ' '] },
    ]);
  });

  it('accepts LF, CRLF and lone CR line endings, skips blank lines, and needs no final line break', () => {
    expect(parseCsv('h\n1\r\n\r\n2\r3', ',').records).toEqual([
      { line: 1, fields: ['h'] },
      { line: 2, fields: ['1'] },
      { line: 4, fields: ['2'] },
      { line: 5, fields: ['3'] },
    ]);
  });

  it('strips a BOM without shifting line numbers', () => {
    expect(parseCsv('\uFEFFid;mail\n1;a@b', ';').records).toEqual([
      { line: 1, fields: ['id', 'mail'] },
      { line: 2, fields: ['1', 'a@b'] },
    ]);
  });

  it('reports an unclosed quote at the line it opens and keeps every record before it', () => {
    const { records, problems } = parseCsv('h1,h2\nok,1\n"broken,2\nmore,3\nlast,4\n', ',');
    expect(records).toEqual([
      { line: 1, fields: ['h1', 'h2'] },
      { line: 2, fields: ['ok', '1'] },
    ]);
    expect(problems).toEqual([{ line: 3, field: 0, message: 'a quoted field opens here and is never closed, so lines 3–5 were not read' }]);
  });

  it('reports text after a closing quote as a problem of that record only', () => {
    const { records, problems } = parseCsv('h1,h2\n"a"b,1\nc,2\n', ',');
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(problems).toEqual([{ line: 2, field: 0, message: 'text follows the closing quote of a quoted field' }]);
  });

  it('keeps a quote inside an unquoted field literally (common in exports, harmless)', () => {
    expect(parseCsv('h\n5" screen\n', ',').records[1]).toEqual({ line: 2, fields: ['5" screen'] });
  });
});

describe('detectDelimiter', () => {
  it.each([
    ['employee_id,work_email,status\n1;2;3', ','],
    ['employee_id;work_email;status\n1,2,3', ';'],
    ['\uFEFF"name, full";id;status\n', ';'],
    ['"a;b",c\n', ','],
    ['single\n', ','],
  ])('%j → %s', (text, expected) => {
    expect(detectDelimiter(text)).toBe(expected);
  });
});
