import { describe, expect, it } from 'vitest';
import { result } from '../store/store-test-fixtures.ts';
import { annexAControls, createControlTally } from './control-tally.ts';

const rules = [
  { id: 'mfa-coverage', controls: ['ISO27001:2022/A.5.17', 'ISO27001:2022/A.8.5', 'SOC2/CC6.1'] },
  { id: 'root-account', controls: ['ISO27001:2022/A.8.5', 'ISO27001:2022/A.8.2'] },
];
const PERIOD = { from: '2026-10-01T00:00:00.000Z', to: '2026-10-04T00:00:00.000Z' };
const run = (id: number) => ({ id, startedAt: `2026-10-0${id}T09:00:00.000Z` });

describe('control tally (statement of applicability)', () => {
  it('lists the Annex A controls of the rules in the standard order, with the rules that evidence each', () => {
    expect([...annexAControls([...rules, { id: 'x', controls: ['ISO27001:2022/A.5.10'] }])]).toEqual([
      ['ISO27001:2022/A.5.10', ['x']],
      ['ISO27001:2022/A.5.17', ['mfa-coverage']],
      ['ISO27001:2022/A.8.2', ['root-account']],
      ['ISO27001:2022/A.8.5', ['mfa-coverage', 'root-account']],
    ]);
  });

  it('passes a control only when every evaluated run passed; one not-evaluable run is not a pass; N/A rules are skipped', () => {
    const tally = createControlTally(rules, PERIOD);
    const na = result('root-account', { status: 'not_evaluable', notApplicable: true });
    tally.add(run(1), [result('mfa-coverage', { status: 'pass' }), na]);
    tally.add(run(2), [result('mfa-coverage', { status: 'not_evaluable' }), na]);
    tally.add(run(3), [result('mfa-coverage', { status: 'pass' }), na]);
    const byControl = new Map(tally.histories().map((h) => [h.summary.control, h]));
    expect(byControl.get('ISO27001:2022/A.5.17')!.summary).toMatchObject({ result: 'not_evaluable', runs: { pass: 2, fail: 0, notEvaluable: 1, notApplicable: 0 }, latest: { runId: 3, status: 'pass' } });
    // A.8.5 rests on both rules: the N/A root-account rule does not pull it down or up.
    expect(byControl.get('ISO27001:2022/A.8.5')!.points.map((p) => p.status)).toEqual(['pass', 'not_evaluable', 'pass']);
    expect(byControl.get('ISO27001:2022/A.8.2')!.summary.result).toBe('not_applicable');
  });

  it('fails the period on one failing run, and says no_evidence without any evaluated run', () => {
    const tally = createControlTally(rules, PERIOD);
    expect(tally.histories().map((h) => h.summary.result)).toEqual(['no_evidence', 'no_evidence', 'no_evidence']);
    tally.add(run(1), [result('mfa-coverage', { status: 'pass' }), result('root-account', { status: 'fail' })]);
    tally.add(run(2), [result('mfa-coverage', { status: 'pass' }), result('root-account', { status: 'pass' })]);
    const a85 = tally.histories().find((h) => h.summary.control === 'ISO27001:2022/A.8.5')!;
    expect(a85.summary).toMatchObject({ result: 'fail', runs: { pass: 1, fail: 1 } });
    // A rule missing from a run's results is not evidence of anything: not evaluable there.
    const missing = createControlTally(rules, PERIOD);
    missing.add(run(1), [result('root-account', { status: 'pass' })]);
    expect(missing.histories().find((h) => h.summary.control === 'ISO27001:2022/A.5.17')!.summary.result).toBe('not_evaluable');
  });

  it('does not call a period resting on one early run a plain pass: pass_with_gaps, with the coverage that says why', () => {
    const year = { from: '2026-01-01T00:00:00.000Z', to: '2027-01-01T00:00:00.000Z' };
    const tally = createControlTally(rules, year);
    tally.add({ id: 1, startedAt: '2026-01-05T09:00:00.000Z' }, [result('mfa-coverage', { status: 'pass' }), result('root-account', { status: 'pass' })]);
    const a517 = tally.histories().find((h) => h.summary.control === 'ISO27001:2022/A.5.17')!.summary;
    expect(a517).toMatchObject({ result: 'pass_with_gaps', coverage: { evaluatedRuns: 1, daysWithoutEvaluatedRun: 364, longestGapHours: 8655 } });
    // Daily runs over the whole short period: a plain pass, no day without a run.
    const daily = createControlTally(rules, PERIOD);
    for (const id of [1, 2, 3]) daily.add(run(id), [result('mfa-coverage', { status: 'pass' }), result('root-account', { status: 'pass' })]);
    expect(daily.histories().find((h) => h.summary.control === 'ISO27001:2022/A.5.17')!.summary).toMatchObject({ result: 'pass', coverage: { evaluatedRuns: 3, daysWithoutEvaluatedRun: 0, longestGapHours: 24 } });
  });
});
