import type { StreamOutcome } from '../core/stream-outcome.ts';
import type { RunRecord } from '../store/evidence-store.ts';
import { nextSlot, type Schedule } from './schedule-math.ts';

/**
 * What `/healthz` says, computed purely from what the daemon has seen (and seeded from the store at
 * start). Only org ids, connector instance ids, run ids, statuses and times: never tenant data.
 */

export interface RunRef {
  id: number;
  status: RunRecord['status'];
  startedAt: string;
  finishedAt: string | null;
}

export type ConnectorStatus = 'ok' | 'degraded' | 'failing' | 'unknown';

export interface ConnectorState {
  instance: string;
  /** The newest run in which none of this connector's streams failed. */
  lastSuccessfulRun: RunRef | null;
  /** From the newest finished run: `failing` when a stream failed outright, `degraded` when one was partial. */
  lastStatus: ConnectorStatus;
}

/** Slots skipped because another process held the organisation's run lock, since the daemon started. */
export interface LockedSlots {
  count: number;
  /** When the newest one was skipped. */
  lastAt: string;
  /** Who held the lock then: the command, its pid and host, and since when. */
  heldBy: { command: string; pid: number; hostname: string; since: string };
}

export interface OrgState {
  org: string;
  schedule: Schedule;
  /** Absent until a slot is skipped for the run lock. */
  lockedSlots?: LockedSlots;
  /** The newest finished run, interrupted ones included. */
  lastRun: RunRef | null;
  /** The newest run that was sealed as complete or partial (evidence that was evaluated). */
  lastSuccessfulRun: RunRef | null;
  connectors: ConnectorState[];
}

/**
 * Whether something that last succeeded at `lastSuccessStart` is overdue at `now`: its next slot has
 * passed by more than the grace (so more than one interval plus grace since it last succeeded).
 * With no success at all, the daemon's own start is the reference: the first run gets the grace.
 * Pure, for `/healthz` and for the alerts' "connector overdue" event.
 */
export function overdue(input: { schedule: Schedule; lastSuccessStart: Date | null; since: Date; now: Date; graceMs: number }): { overdue: boolean; deadline: Date | null } {
  const due = input.lastSuccessStart === null ? input.since : nextSlot(input.schedule, input.lastSuccessStart);
  if (due === null) return { overdue: false, deadline: null };
  const deadline = new Date(due.getTime() + input.graceMs);
  return { overdue: input.now.getTime() > deadline.getTime(), deadline };
}

/** For alerts ("a connector failing or overdue"): the same judgement `/healthz` makes for one connector. */
export function connectorOverdue(connector: ConnectorState, schedule: Schedule, at: { now: Date; since: Date; graceMs: number }): { overdue: boolean; deadline: Date | null } {
  const last = connector.lastSuccessfulRun;
  return overdue({ schedule, lastSuccessStart: last ? new Date(last.startedAt) : null, since: at.since, now: at.now, graceMs: at.graceMs });
}

export function runRef(run: RunRecord): RunRef {
  return { id: run.id, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt };
}

/** A sealed run whose evidence was evaluated; `failed` and `interrupted` are not successes. */
export function isSuccessfulRun(status: RunRecord['status']): boolean {
  return status === 'complete' || status === 'partial';
}

/** Folds one finished run into an org's state (a new object; the input is not changed). */
export function applyRun(state: OrgState, run: RunRecord, outcomes: readonly StreamOutcome[]): OrgState {
  const ref = runRef(run);
  const success = isSuccessfulRun(run.status);
  const connectors = state.connectors.map((c): ConnectorState => {
    // An interrupted run says nothing about a connector's health: it was cut off, not refused.
    if (run.status === 'interrupted') return c;
    const mine = outcomes.filter((o) => o.instance === c.instance);
    if (mine.length === 0) return { ...c, lastStatus: 'failing' };
    const failed = mine.some((o) => o.status === 'failed');
    const partial = mine.some((o) => o.status === 'partial');
    const lastStatus: ConnectorStatus = failed ? 'failing' : partial ? 'degraded' : 'ok';
    return { ...c, lastStatus, lastSuccessfulRun: success && !failed ? ref : c.lastSuccessfulRun };
  });
  return { ...state, lastRun: ref, lastSuccessfulRun: success ? ref : state.lastSuccessfulRun, connectors };
}

export interface HealthReport {
  status: 'ok' | 'stale' | 'failing';
  checkedAt: string;
  organisations: Array<{
    org: string;
    schedule: string;
    timezone: string;
    running: boolean;
    lastRun: RunRef | null;
    lastSuccessfulRun: RunRef | null;
    stale: boolean;
    staleAfter: string | null;
    failing: boolean;
    /** Slots skipped because another process was collecting this organisation; null when none. */
    skippedLocked: LockedSlots | null;
    connectors: Array<ConnectorState & { stale: boolean; staleAfter: string | null }>;
  }>;
}

/** The whole `/healthz` answer; HTTP 503 when `status` is not `ok`. */
export function healthReport(states: readonly OrgState[], opts: { now: Date; since: Date; graceMs: number; running: readonly string[] }): HealthReport {
  let stale = false;
  let failing = false;
  const organisations = states.map((s) => {
    const check = (last: RunRef | null) => overdue({ schedule: s.schedule, lastSuccessStart: last ? new Date(last.startedAt) : null, since: opts.since, now: opts.now, graceMs: opts.graceMs });
    const org = check(s.lastSuccessfulRun);
    const connectors = s.connectors.map((c) => {
      const o = check(c.lastSuccessfulRun);
      return { ...c, stale: o.overdue, staleAfter: o.deadline?.toISOString() ?? null };
    });
    const orgFailing = s.lastRun?.status === 'failed' || connectors.some((c) => c.lastStatus === 'failing');
    const orgStale = org.overdue || connectors.some((c) => c.stale);
    stale ||= orgStale;
    failing ||= orgFailing;
    return {
      org: s.org,
      schedule: s.schedule.pattern,
      timezone: s.schedule.timezone,
      running: opts.running.includes(s.org),
      lastRun: s.lastRun,
      lastSuccessfulRun: s.lastSuccessfulRun,
      stale: orgStale,
      staleAfter: org.deadline?.toISOString() ?? null,
      failing: orgFailing,
      skippedLocked: s.lockedSlots ?? null,
      connectors,
    };
  });
  return { status: failing ? 'failing' : stale ? 'stale' : 'ok', checkedAt: opts.now.toISOString(), organisations };
}
