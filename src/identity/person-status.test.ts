import { describe, expect, it } from 'vitest';
import { personStatus } from './person-status.ts';
import { createAccount, createPerson, TEST_AS_OF } from '../evaluate/test-factories.ts';

const asOf = new Date(TEST_AS_OF); // 2025-03-01

describe('personStatus', () => {
  it('takes HR status when HR states one, with no conflicts when sources agree', () => {
    const hr = createPerson({ status: 'terminated', leaveDate: '2025-02-10T17:00:00Z' });
    const m365 = createAccount({ leaveDate: '2025-02-10T17:00:00Z' });
    expect(personStatus([hr], [m365], asOf)).toEqual({
      status: 'terminated',
      leftAt: '2025-02-10T17:00:00.000Z',
      leaveDates: [
        { source: 'hr', date: '2025-02-10T17:00:00.000Z' },
        { source: 'm365-main/employeeLeaveDateTime', date: '2025-02-10T17:00:00.000Z' },
      ],
      conflicts: [],
    });
  });

  it('reports leave dates more than 24 h apart and uses the earliest', () => {
    const hr = createPerson({ status: 'terminated', leaveDate: '2025-02-10T00:00:00Z' });
    const m365 = createAccount({ leaveDate: '2025-02-13T00:00:00Z' });
    const s = personStatus([hr], [m365], asOf);
    expect(s.leftAt).toBe('2025-02-10T00:00:00.000Z');
    expect(s.conflicts).toEqual(['leave dates disagree by 3 days: hr says 2025-02-10, m365-main/employeeLeaveDateTime says 2025-02-13; the earliest is used']);
  });

  it('accepts leave dates up to 24 h apart (time zones, end of day)', () => {
    const hr = createPerson({ status: 'terminated', leaveDate: '2025-02-10T00:00:00Z' });
    expect(personStatus([hr], [createAccount({ leaveDate: '2025-02-11T00:00:00Z' })], asOf).conflicts).toEqual([]);
    expect(personStatus([hr], [createAccount({ leaveDate: '2025-02-11T01:00:00Z' })], asOf).conflicts[0]).toMatch(/^leave dates disagree by 25 hours/);
  });

  it('keeps HR active but reports a leave date that has passed', () => {
    const s = personStatus([createPerson()], [createAccount({ leaveDate: '2025-02-20T17:00:00Z' })], asOf);
    expect(s.status).toBe('active');
    expect(s.leftAt).toBe('2025-02-20T17:00:00.000Z');
    expect(s.conflicts).toEqual(['HR (hr) says active, but m365-main/employeeLeaveDateTime says they left on 2025-02-20 17:00 UTC']);
  });

  it('does not report a scheduled (future) leave date while HR says active', () => {
    const s = personStatus([createPerson()], [createAccount({ leaveDate: '2025-03-31T00:00:00Z' })], asOf);
    expect(s).toMatchObject({ status: 'active', leftAt: '2025-03-31T00:00:00.000Z', conflicts: [] });
  });

  it('reports HR terminated without a date, and uses another source when there is one', () => {
    const hr = createPerson({ status: 'terminated', leaveDate: null });
    expect(personStatus([hr], [], asOf).conflicts).toEqual(['HR (hr) says terminated but gives no leave date; hours since leaving cannot be measured']);
    expect(personStatus([hr], [createAccount({ leaveDate: '2025-02-01T00:00:00Z' })], asOf).conflicts).toEqual([
      'HR (hr) says terminated but gives no leave date; the leave date 2025-02-01 from m365-main/employeeLeaveDateTime is used',
    ]);
  });

  it('prefers terminated when HR sources disagree, and says so', () => {
    const a = createPerson({ status: 'active' });
    const b = createPerson({ status: 'terminated', leaveDate: '2025-02-01T00:00:00Z', instance: 'bamboohr' });
    const s = personStatus([a, b], [], asOf);
    expect(s.status).toBe('terminated');
    expect(s.conflicts[0]).toBe('HR sources disagree on the status: hr says active, bamboohr says terminated; treated as terminated');
  });

  it('makes HR active with a start after the run a future hire', () => {
    expect(personStatus([createPerson({ hireDate: '2025-04-01T00:00:00Z' })], [], asOf).status).toBe('future');
  });

  it('without HR: terminated by a passed leave date, future by hire dates, otherwise unknown', () => {
    expect(personStatus([], [createAccount({ leaveDate: '2025-02-01T00:00:00Z' })], asOf).status).toBe('terminated');
    expect(personStatus([], [createAccount({ hireDate: '2025-03-10T00:00:00Z' })], asOf).status).toBe('future');
    expect(personStatus([], [createAccount({ hireDate: '2025-03-10T00:00:00Z' }), createAccount({ hireDate: '2024-01-01T00:00:00Z' })], asOf).status).toBe('unknown');
    expect(personStatus([], [createAccount()], asOf)).toEqual({ status: 'unknown', leftAt: null, leaveDates: [], conflicts: [] });
  });

  it('ignores an HR record whose status is unknown', () => {
    expect(personStatus([createPerson({ status: 'unknown' })], [createAccount({ leaveDate: '2025-02-01T00:00:00Z' })], asOf).status).toBe('terminated');
  });
});
