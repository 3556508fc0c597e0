import { describe, expect, it } from 'vitest';
import type { RuleResult } from '../core/rule.ts';
import { buildSnapshotView } from '../evaluate/build-view.ts';
import { createOutcome, createRoleAssignment, createSnapshot } from '../evaluate/test-factories.ts';
import type { Entity } from '../core/model.ts';
import type { StreamOutcome } from '../core/stream-outcome.ts';
import { alertsConfig } from './alert-config.ts';
import type { StoredFinding } from './alert-store.ts';
import { connectorOverdueObservation } from './connector-findings.ts';
import { findingId, mergeObservations } from './finding.ts';
import { planTransitions } from './plan-transitions.ts';
import { privilegedFindings } from './privileged-findings.ts';
import { ruleFindings } from './rule-findings.ts';

function view(runId: number, entities: Entity[], outcomes?: StreamOutcome[]) {
  return buildSnapshotView(createSnapshot({ entities, ...(outcomes ? { outcomes } : { streams: ['role_assignment'] }), run: { id: runId, startedAt: `2026-11-2${runId}T09:00:00Z` } }));
}

const globalAdmin = (who: string, assignment: 'active' | 'eligible' = 'active') => createRoleAssignment({ principalKey: who, assignment });

describe('new privileged assignments', () => {
  it('reports an assignment absent from the newest complete earlier read, once per principal and role', () => {
    const before = view(1, [globalAdmin('alice')]);
    const now = view(2, [globalAdmin('alice'), globalAdmin('bob'), globalAdmin('bob', 'eligible')]);
    const obs = privilegedFindings(now, [before], new Set());
    expect(obs.findings.map((f) => f.subject)).toEqual(['m365-main/bob|global-admin|/']);
    expect(obs.findings[0]!.detail).toContain('not held in run 1');
  });

  it('does not call a PIM activation new: eligible before, active now is the same privilege', () => {
    const obs = privilegedFindings(view(2, [globalAdmin('alice', 'active')]), [view(1, [globalAdmin('alice', 'eligible')])], new Set());
    expect(obs.findings).toEqual([]);
  });

  it('skips an earlier run whose role assignments failed and diffs against the last complete one', () => {
    const failed = view(2, [], [createOutcome({ entity: 'role_assignment', status: 'failed', failures: [{ kind: 'transient', detail: '503' }] })]);
    const obs = privilegedFindings(view(3, [globalAdmin('alice'), globalAdmin('bob')]), [failed, view(1, [globalAdmin('alice')])], new Set());
    expect(obs.findings.map((f) => f.subject)).toEqual(['m365-main/bob|global-admin|/']);
  });

  it('reports nothing as new without a baseline, and judges nothing when this run could not read roles', () => {
    const first = privilegedFindings(view(1, [globalAdmin('alice')]), [], new Set());
    expect(first.findings).toEqual([]);
    expect(first.notes[0]).toContain('no earlier run read the role assignments of m365-main');
    const broken = privilegedFindings(view(2, [], [createOutcome({ entity: 'role_assignment', status: 'partial', failures: [{ kind: 'truncated', detail: 'page 3 missing' }] })]), [view(1, [globalAdmin('alice')])], new Set());
    expect(broken.coverage).toEqual([{ type: 'new_privileged_assignment', scopes: [] }]);
  });
});

function result(partial: Partial<RuleResult> & Pick<RuleResult, 'ruleId' | 'status'>): RuleResult {
  return { title: '', controls: [], summary: '', measured: null, threshold: null, unit: null, reasons: [], breakdown: [], subjects: [], evidence: [], notApplicable: false, params: {}, exceptions: [], ...partial };
}

describe('findings from rule results', () => {
  it('takes unapproved AI apps with their severity, and leaves register faults alone', () => {
    const obs = ruleFindings('contoso', 4, [
      result({
        ruleId: 'shadow-ai',
        status: 'fail',
        breakdown: [{ scope: 'overall', status: 'fail', measured: 1, summary: '' }, { scope: 'm365-main', status: 'fail', measured: 1, summary: '' }],
        subjects: [
          { ref: 'ai-app:chatgpt', label: 'ChatGPT (OpenAI)', instance: 'm365-main', status: 'fail', severity: 'medium', why: 'ChatGPT was granted …' },
          { ref: 'ai-app:otter', label: 'Otter.ai', instance: 'approved-apps', status: 'fail', severity: 'medium', why: 'approved without a named owner' },
          { ref: 'app-1', label: 'Some app', instance: 'm365-main', status: 'excluded', why: 'unreviewed' },
        ],
      }),
    ]);
    const shadow = obs.findings.filter((f) => f.type === 'shadow_ai');
    expect(shadow.map((f) => [f.label, f.severity])).toEqual([['ChatGPT (OpenAI)', 'medium']]);
    expect(obs.coverage).toContainEqual({ type: 'shadow_ai', scopes: ['m365-main'] });
  });

  it('keeps a leaver finding open when its subject becomes not evaluable', () => {
    const config = alertsConfig.parse({ channels: [{ name: 'x', type: 'slack', webhookUrl: { env: 'X' } }] });
    const id = findingId('contoso', 'leaver_access', 'leaver-access', 'google-main/henrietta');
    const open: StoredFinding = {
      id, org: 'contoso', type: 'leaver_access', rule: 'leaver-access', subject: 'google-main/henrietta', label: 'henrietta', scope: 'google-main', severity: 'high', detail: '',
      state: 'open', firstSeenAt: '2026-11-20T09:00:00.000Z', lastSeenAt: '2026-11-20T09:00:00.000Z', lastAlertedAt: '2026-11-20T09:00:00.000Z', resolvedAt: null, lastRunId: 1,
    };
    const leaver = (status: 'fail' | 'not_evaluable' | 'excluded') =>
      ruleFindings('contoso', 2, [
        result({
          ruleId: 'leaver-access',
          status: status === 'fail' ? 'fail' : status === 'not_evaluable' ? 'not_evaluable' : 'pass',
          breakdown: [{ scope: 'google-main', status: status === 'not_evaluable' ? 'not_evaluable' : status === 'fail' ? 'fail' : 'pass', measured: 0, summary: '' }],
          subjects: status === 'excluded' ? [] : [{ ref: 'henrietta', label: 'henrietta', instance: 'google-main', status, why: 'keys unreadable' }],
        }),
      ]);
    const now = new Date('2026-11-20T12:00:00Z');
    expect(planTransitions([open], leaver('not_evaluable'), config, now).findings).toEqual([]);
    // A hook for an older run arriving late changes nothing a newer run decided.
    expect(planTransitions([{ ...open, lastRunId: 3 }], leaver('excluded'), config, now).findings).toEqual([]);
    const resolved = planTransitions([open], leaver('excluded'), config, now);
    expect(resolved.events).toEqual([{ kind: 'resolved', findingId: id }]);
    expect(resolved.findings[0]).toMatchObject({ state: 'resolved', resolvedAt: now.toISOString() });
  });

  it('reopens a resolved finding that comes back, and alerts again', () => {
    const config = alertsConfig.parse({ channels: [{ name: 'x', type: 'slack', webhookUrl: { env: 'X' } }] });
    const health = (overdue: boolean) => connectorOverdueObservation('contoso', [{ org: 'contoso', instance: 'aws-prod', connector: 'aws-iam', overdue, lastSuccessAt: null, dueAt: '2026-11-20T13:00:00Z' }]);
    let state: StoredFinding[] = [];
    const step = (overdue: boolean, at: string) => {
      const c = planTransitions(state, mergeObservations('contoso', null, [health(overdue)]), config, new Date(at));
      const byId = new Map(state.map((f) => [f.id, f]));
      for (const f of c.findings) byId.set(f.id, f);
      state = [...byId.values()];
      return c.events.map((e) => e.kind);
    };
    expect(step(true, '2026-11-20T14:00:00Z')).toEqual(['alert']);
    expect(step(true, '2026-11-20T15:00:00Z')).toEqual([]);
    expect(step(false, '2026-11-20T16:00:00Z')).toEqual(['resolved']);
    expect(step(false, '2026-11-20T17:00:00Z')).toEqual([]);
    expect(step(true, '2026-11-20T18:00:00Z')).toEqual(['alert']);
    expect(state[0]!.firstSeenAt).toBe('2026-11-20T18:00:00.000Z');
  });
});
