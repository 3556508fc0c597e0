import { describe, expect, it } from 'vitest';
import type { RuleResult } from '../core/rule.ts';
import { computeMetrics } from './compute-metrics.ts';
import { renderMetrics } from './render-metrics.ts';
import { runPointOf } from './run-point.ts';

const run = (id: number, startedAt: string) => ({ id, org: 'acme', startedAt, status: 'complete' as const }) as Parameters<typeof runPointOf>[0];
const shadowAi = (status: RuleResult['status'], failing: string[]): RuleResult =>
  ({
    ruleId: 'shadow-ai', title: 'Shadow AI', status, summary: status, measured: failing.length, threshold: 0, unit: 'count', params: {}, controls: [], evidence: [], reasons: status === 'not_evaluable' ? ['the app grants stream failed'] : [],
    breakdown: [], subjects: failing.map((a) => ({ ref: `ai-app:${a}`, label: a, instance: 'm365', status: 'fail', why: 'not approved' })), exceptions: [], notApplicable: false,
  }) as unknown as RuleResult;

/** Fail closed: a quarter where no run could count unapproved AI apps says "gap", never "0". */
describe('unapproved AI apps that could not be measured', () => {
  it('a not_evaluable shadow-ai result is no count, and a quarter of such runs shows a gap', () => {
    const points = [
      runPointOf(run(1, '2026-07-10T09:00:00Z'), [shadowAi('not_evaluable', [])], null),
      runPointOf(run(2, '2026-10-10T09:00:00Z'), [shadowAi('fail', ['claude'])], null),
    ];
    expect(points[0]!.unapprovedAiApps).toBeNull();
    const report = computeMetrics('acme', { from: '2026-07-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, points, []);
    expect(report.quarters.map((q) => [q.quarter, q.unapprovedAiApps?.map((a) => a.ref) ?? null])).toEqual([['2026-Q3', null], ['2026-Q4', ['ai-app:claude']]]);
    expect(renderMetrics(report)).toContain('Unapproved AI apps: 2026-Q3 gap → 2026-Q4 1 (claude)');
  });
});
