import { describe, expect, it } from 'vitest';
import { csvText } from './csv-text.ts';

describe('csvText', () => {
  it('quotes where RFC 4180 needs it, doubles quotes, and keeps a spreadsheet from running tenant text as a formula', () => {
    const text = csvText(['name', 'n'], [['=HYPERLINK("http://evil.test","x")', 3], ['Ann "the admin", ops', null], ['-2+3', -2]]);
    expect(text).toBe('name,n\r\n"\'=HYPERLINK(""http://evil.test"",""x"")",3\r\n"Ann ""the admin"", ops",\r\n\'-2+3,-2\r\n');
  });
});
