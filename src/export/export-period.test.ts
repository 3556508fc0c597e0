import { describe, expect, it } from 'vitest';
import { dayStart, exportPeriod, periodEnd } from './export-period.ts';

const now = new Date('2026-11-20T12:00:00.000Z');

describe('audit period days (export and metrics share them)', () => {
  it('reads --from/--to as whole UTC days, --to inclusive, never ending after now', () => {
    expect(exportPeriod('2026-10-01', '2026-10-31', now)).toEqual({ from: '2026-10-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' });
    expect(periodEnd('2026-12-31', now)).toBe('2026-11-20T12:00:00.000Z');
    expect(exportPeriod('2026-11-01', '2026-11-01', now)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' });
  });

  it('refuses a date that does not exist, naming the flag and the format', () => {
    expect(() => dayStart('2026-02-30', '--from')).toThrow('--from 2026-02-30: expected a date as YYYY-MM-DD (UTC), e.g. 2026-10-01');
    expect(() => periodEnd('31.10.2026', now)).toThrow(/^--to 31\.10\.2026: expected a date/);
    expect(() => exportPeriod('2026-10-02', '2026-10-01', now)).toThrow(/--from 2026-10-02 is after --to 2026-10-01/);
  });
});
