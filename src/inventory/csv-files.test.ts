import { describe, expect, it } from 'vitest';
import { csvCell, csvText } from '../report/csv-text.ts';
import { inventoryCsvFiles } from './csv-files.ts';
import type { RunInventories } from './inventory-schema.ts';
import { readCsv as parse } from '../../test/support/read-csv.ts';

const empty = { availability: { complete: true, reasons: [] }, rows: [] };

function inv(partial: Partial<RunInventories> = {}): RunInventories {
  return { org: 'contoso', runId: 7, asOf: '2025-03-01T00:00:00.000Z', 'privileged-access': empty, apps: empty, accounts: empty, 'review-population': empty, leavers: empty, ...partial };
}

describe('CSV text', () => {
  it('quotes commas, quotes and line breaks, and reads back unchanged', () => {
    const cells = ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ''];
    const text = csvText(['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], [cells]);
    expect(text).toBe('h1,h2,h3,h4,h5,h6\r\nplain,"a,b","say ""hi""","two\nlines","cr\r\nlf",\r\n');
    expect(parse(text)[1]).toEqual(cells);
  });

  it('defuses cells a spreadsheet would run as a formula, but keeps numbers numbers', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell('+1 555')).toBe("'+1 555");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('true');
    expect(csvCell('a=b')).toBe('a=b');
  });
});

describe('inventoryCsvFiles', () => {
  it('writes the five inventories plus their status, each with a header row and CRLF endings', () => {
    const files = inventoryCsvFiles(inv());
    expect(files.map((f) => f.name)).toEqual(['accounts.csv', 'privileged-access.csv', 'app-grants.csv', 'leavers.csv', 'review-population.csv', 'inventory-status.csv']);
    for (const f of files) {
      expect(f.content.endsWith('\r\n')).toBe(true);
      expect(f.content.replaceAll('\r\n', '')).not.toContain('\n');
      expect(parse(f.content)[0]![0]).toBe(f.name === 'inventory-status.csv' ? 'inventory' : 'system');
    }
  });

  it('writes one row per account, escapes a hostile display name, and marks an incomplete inventory', () => {
    const files = inventoryCsvFiles(
      inv({
        accounts: {
          availability: { complete: false, reasons: ['m365-main/users is partial: throttled: 429'] },
          rows: [
            {
              instance: 'm365-main', key: 'u1', username: 'eve@contoso.com', displayName: '=cmd|"/c calc"!A0', connector: 'm365', personId: null, personName: null,
              link: 'no employee id, and no e-mail', matched: false, enabled: true, accountClass: 'human', classWhy: 'member account', lastSignIn: null, signInKnown: true, mfa: 'unknown',
            },
          ],
        },
      }),
    );
    const accounts = parse(files.find((f) => f.name === 'accounts.csv')!.content);
    expect(accounts).toHaveLength(2);
    const header = accounts[0]!;
    const row = Object.fromEntries(header.map((h, i) => [h, accounts[1]![i]]));
    expect(row).toMatchObject({ system: 'm365-main', key: 'u1', display_name: `'=cmd|"/c calc"!A0`, link_why: 'no employee id, and no e-mail', last_sign_in: '', mfa: 'unknown' });
    const status = parse(files.find((f) => f.name === 'inventory-status.csv')!.content);
    expect(status.find((r) => r[0] === 'accounts')).toEqual(['accounts', 'contoso', '7', '2025-03-01T00:00:00.000Z', '1', 'false', 'm365-main/users is partial: throttled: 429']);
    expect(status.find((r) => r[0] === 'leavers')!.slice(4)).toEqual(['0', 'true', '']);
  });
});
