import { describe, expect, it } from 'vitest';
import { leaverOutcomes, medianHours, worstHours } from './leaver-hours.ts';
import { quarterOf, quartersBetween } from './quarter.ts';
import type { LeaverObservation } from './types.ts';

const obs = (runId: number, startedAt: string, access: 'none' | 'some' | 'unknown' | null): LeaverObservation => ({
  runId,
  startedAt,
  people: access === null ? [] : [{ id: 'email:lee@contoso.com', name: 'Lee', leftAt: '2026-12-31T20:00:00Z', access }],
});

describe('leaver hours', () => {
  it('does not close on a run that cannot see the person or their keys', () => {
    const [l] = leaverOutcomes([obs(1, '2027-01-01T08:00:00Z', 'some'), obs(2, '2027-01-02T08:00:00Z', 'unknown'), obs(3, '2027-01-03T08:00:00Z', null), obs(4, '2027-01-04T08:00:00Z', 'none')]);
    // Access went some time after run 1, the last run that saw it: a 72 h window, too wide to be a measurement.
    expect(l).toMatchObject({ quarter: '2026-Q4', value: { hours: 84, open: false }, closedByRun: 4, windowHours: 72, measured: false });
  });

  it('measures the window from the last run that saw access, not from a run that could not tell', () => {
    const [l] = leaverOutcomes([obs(1, '2027-01-01T08:00:00Z', 'some'), obs(2, '2027-01-02T08:00:00Z', 'unknown'), obs(3, '2027-01-02T20:00:00Z', 'some'), obs(4, '2027-01-03T08:00:00Z', 'none')]);
    expect(l).toMatchObject({ value: { hours: 60, open: false }, closedByRun: 4, windowHours: 12, measured: true });
  });

  it('reports open cases as lower bounds up to the last run that saw access', () => {
    const [l] = leaverOutcomes([obs(1, '2027-01-01T08:00:00Z', 'some'), obs(2, '2027-01-02T08:00:00Z', 'unknown')]);
    expect(l!.value).toEqual({ hours: 12, open: true });
  });

  it('a median decided by open cases is open; worst is open when any case is', () => {
    expect(medianHours([{ hours: 10, open: false }, { hours: 30, open: false }, { hours: 5, open: true }])).toEqual({ hours: 10, open: true });
    expect(medianHours([{ hours: 10, open: false }, { hours: 30, open: false }, { hours: 40, open: true }])).toEqual({ hours: 30, open: false });
    expect(worstHours([{ hours: 10, open: false }, { hours: 5, open: true }])).toEqual({ hours: 10, open: true });
    expect(medianHours([])).toBeNull();
  });

  it('uses UTC calendar quarters', () => {
    expect(quarterOf('2026-12-31T23:30:00-02:00')).toBe('2027-Q1');
    expect(quartersBetween('2026-08-01T00:00:00Z', '2027-02-01T00:00:00Z')).toEqual(['2026-Q3', '2026-Q4', '2027-Q1']);
  });
});
