import { describe, expect, it } from 'vitest';
import { applyRun, connectorOverdue, healthReport, overdue, type OrgState } from './health.ts';
import { outcome, USERS, KEYS } from '../store/store-test-fixtures.ts';
import type { RunRecord } from '../store/evidence-store.ts';

const schedule = { pattern: '0 */4 * * *', timezone: 'UTC' };
const since = new Date('2026-11-02T00:00:00Z');
const graceMs = 30 * 60_000;

function run(id: number, status: RunRecord['status'], startedAt: string): RunRecord {
  return { id, org: 'acme', status, trigger: 'schedule', mode: 'full', startedAt, finishedAt: startedAt, toolVersion: 't', configDigest: 'c', manifestHash: null, previousManifestHash: null, pageCount: 1, entityCount: 1 };
}

const empty: OrgState = {
  org: 'acme',
  schedule,
  lastRun: null,
  lastSuccessfulRun: null,
  connectors: [
    { instance: 'm365-main', lastSuccessfulRun: null, lastStatus: 'unknown' },
    { instance: 'aws-prod', lastSuccessfulRun: null, lastStatus: 'unknown' },
  ],
};

describe('health', () => {
  it('is overdue only once the slot after the last success is more than the grace behind', () => {
    const last = new Date('2026-11-02T04:00:10Z');
    expect(overdue({ schedule, lastSuccessStart: last, since, now: new Date('2026-11-02T08:30:00Z'), graceMs })).toEqual({ overdue: false, deadline: new Date('2026-11-02T08:30:00Z') });
    expect(overdue({ schedule, lastSuccessStart: last, since, now: new Date('2026-11-02T08:30:01Z'), graceMs }).overdue).toBe(true);
  });

  it('judges each connector apart: one whose stream failed is failing and goes stale while the other stays fresh', () => {
    let s = applyRun(empty, run(1, 'complete', '2026-11-02T00:00:05Z'), [outcome(USERS), outcome(KEYS)]);
    s = applyRun(s, run(2, 'partial', '2026-11-02T04:00:05Z'), [outcome(USERS), outcome(KEYS, { status: 'failed' })]);
    s = applyRun(s, run(3, 'partial', '2026-11-02T08:00:05Z'), [outcome(USERS), outcome(KEYS, { status: 'failed' })]);
    // An interrupted run changes nothing about the connectors.
    s = applyRun(s, run(4, 'interrupted', '2026-11-02T12:00:05Z'), []);
    const aws = s.connectors.find((c) => c.instance === 'aws-prod')!;
    expect(aws).toMatchObject({ lastStatus: 'failing', lastSuccessfulRun: { id: 1 } });
    expect(connectorOverdue(aws, schedule, { now: new Date('2026-11-02T12:10:00Z'), since, graceMs }).overdue).toBe(true);
    const m365 = s.connectors.find((c) => c.instance === 'm365-main')!;
    expect(m365).toMatchObject({ lastStatus: 'ok', lastSuccessfulRun: { id: 3 } });
    const report = healthReport([s], { now: new Date('2026-11-02T12:10:00Z'), since, graceMs, running: [] });
    expect(report.status).toBe('failing');
    expect(report.organisations[0]).toMatchObject({ lastRun: { id: 4, status: 'interrupted' }, lastSuccessfulRun: { id: 3 }, stale: true, failing: true });
    expect(report.organisations[0]!.connectors.map((c) => [c.instance, c.stale])).toEqual([['m365-main', false], ['aws-prod', true]]);
  });

  it('a partial stream is degraded, not failing, and a connector missing from a run is failing', () => {
    const s = applyRun(empty, run(1, 'partial', '2026-11-02T00:00:05Z'), [outcome(USERS, { status: 'partial' })]);
    expect(s.connectors.map((c) => c.lastStatus)).toEqual(['degraded', 'failing']);
    expect(s.connectors[0]!.lastSuccessfulRun?.id).toBe(1);
  });
});
