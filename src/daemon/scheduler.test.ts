import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/support/fake-clock.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { Scheduler, type SchedulerEvent } from './scheduler.ts';
import { jitterMs } from './schedule-math.ts';

const H = 3_600_000;
const EVERY_4H = { pattern: '0 */4 * * *', timezone: 'UTC' };

interface Harness {
  clock: FakeClock;
  scheduler: Scheduler;
  starts: Array<{ org: string; at: string; slot: string }>;
  ends: Array<{ org: string; at: string; aborted: boolean }>;
  events: SchedulerEvent[];
  concurrentMax: () => number;
}

/** A run takes `runMs` of fake time, or ends early when aborted (as a real interrupted run does). */
function harness(opts: {
  start: string;
  orgs?: Array<{ org: string; schedule: { pattern: string; timezone: string } }>;
  last?: Record<string, string | null>;
  runMs?: number;
  maxJitterMs?: number;
  random?: () => number;
}): Harness {
  const clock = new FakeClock(new Date(opts.start));
  const starts: Harness['starts'] = [];
  const ends: Harness['ends'] = [];
  const events: SchedulerEvent[] = [];
  const active = new Map<string, number>();
  let max = 0;
  const scheduler = new Scheduler({
    orgs: opts.orgs ?? [{ org: 'acme', schedule: EVERY_4H }],
    maxJitterMs: opts.maxJitterMs ?? 0,
    clock,
    random: opts.random ?? (() => 0),
    log: silentLogger(),
    lastRunStart: async (org) => {
      const v = opts.last?.[org];
      return v ? new Date(v) : null;
    },
    runOrg: (org, signal, slot) => {
      starts.push({ org, at: clock.now().toISOString(), slot: slot.toISOString() });
      active.set(org, (active.get(org) ?? 0) + 1);
      max = Math.max(max, active.get(org)!);
      return new Promise<void>((resolve) => {
        const done = (aborted: boolean) => {
          active.set(org, active.get(org)! - 1);
          ends.push({ org, at: clock.now().toISOString(), aborted });
          resolve();
        };
        const timer = clock.setTimer(opts.runMs ?? 10 * 60_000, () => done(false));
        signal.addEventListener('abort', () => {
          timer.cancel();
          done(true);
        });
      });
    },
    onEvent: (e) => events.push(e),
  });
  return { clock, scheduler, starts, ends, events, concurrentMax: () => max };
}

describe('scheduler over days of fake time', () => {
  it('fires at every 4-hour slot for three days and at no other time', async () => {
    const h = harness({ start: '2026-11-02T01:00:00Z', last: { acme: '2026-11-02T00:00:10Z' } });
    await h.scheduler.start();
    await h.clock.advanceTo(new Date('2026-11-05T01:00:00Z'));
    expect(h.starts).toHaveLength(18);
    expect(h.starts[0]!.at).toBe('2026-11-02T04:00:00.000Z');
    for (const [i, s] of h.starts.entries()) expect(s.at).toBe(new Date(Date.parse('2026-11-02T04:00:00Z') + i * 4 * H).toISOString());
    expect(h.ends.every((e) => !e.aborted)).toBe(true);
    await h.scheduler.stop();
  });

  it('delays each run by a jitter below the configured bound, the same for the same random sequence', async () => {
    const seq = (seed: number) => () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const run = async () => {
      const h = harness({ start: '2026-11-02T01:00:00Z', last: { acme: '2026-11-02T00:00:10Z' }, maxJitterMs: 300_000, random: seq(42) });
      await h.scheduler.start();
      await h.clock.advanceTo(new Date('2026-11-04T01:00:00Z'));
      await h.scheduler.stop();
      return h.starts;
    };
    const a = await run();
    const b = await run();
    expect(a).toEqual(b);
    expect(a).toHaveLength(12);
    const delays = a.map((s) => Date.parse(s.at) - Date.parse(s.slot));
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(300_000);
    }
    // Not all equal: it is jitter, not a fixed offset.
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('bounds jitter by half the interval so a run never slides into its next slot', () => {
    expect(jitterMs(3_600_000, 60_000, () => 0.999)).toBeLessThan(30_000);
    expect(jitterMs(300_000, 4 * H, () => 0.5)).toBe(150_000);
    expect(jitterMs(300_000, 4 * H, () => 7)).toBeLessThan(300_000);
    expect(jitterMs(0, 4 * H, () => 0.5)).toBe(0);
  });

  it('never runs one organisation twice at once: a run that outlives its slot makes the next slot skip, logged', async () => {
    const h = harness({ start: '2026-11-02T01:00:00Z', last: { acme: '2026-11-02T00:00:10Z' }, runMs: 5 * H });
    await h.scheduler.start();
    await h.clock.advanceTo(new Date('2026-11-03T01:00:00Z'));
    expect(h.concurrentMax()).toBe(1);
    // 04:00 runs until 09:00, so 08:00 is skipped; 12:00 runs until 17:00, so 16:00 is skipped; then 20:00.
    expect(h.starts.map((s) => s.at)).toEqual(['2026-11-02T04:00:00.000Z', '2026-11-02T12:00:00.000Z', '2026-11-02T20:00:00.000Z']);
    const skipped = h.events.filter((e) => e.type === 'slot_skipped').map((e) => e.slot.toISOString());
    expect(skipped).toEqual(['2026-11-02T08:00:00.000Z', '2026-11-02T16:00:00.000Z', '2026-11-03T00:00:00.000Z']);
    await h.scheduler.stop();
  });

  it('runs a slot missed while the daemon was down once, not once per missed slot, then carries on at the next slot', async () => {
    // Down for three days: 18 slots passed.
    const h = harness({ start: '2026-11-05T01:30:00Z', last: { acme: '2026-11-02T00:00:10Z' } });
    await h.scheduler.start();
    await h.clock.advanceTo(new Date('2026-11-05T09:00:00Z'));
    expect(h.starts.map((s) => s.at)).toEqual(['2026-11-05T01:30:00.000Z', '2026-11-05T04:00:00.000Z', '2026-11-05T08:00:00.000Z']);
    expect(h.events.find((e) => e.type === 'run_started')).toMatchObject({ reason: 'catch_up' });
    await h.scheduler.stop();
  });

  it('after a restart within the slot that already ran, waits for the next slot; with no run ever stored, runs at once', async () => {
    const same = harness({ start: '2026-11-02T05:00:00Z', last: { acme: '2026-11-02T04:00:20Z' } });
    await same.scheduler.start();
    await same.clock.advanceTo(new Date('2026-11-02T07:59:59Z'));
    expect(same.starts).toEqual([]);
    await same.clock.advanceTo(new Date('2026-11-02T08:00:00Z'));
    expect(same.starts.map((s) => s.at)).toEqual(['2026-11-02T08:00:00.000Z']);
    await same.scheduler.stop();

    const fresh = harness({ start: '2026-11-02T05:00:00Z', last: { acme: null } });
    await fresh.scheduler.start();
    expect(fresh.starts.map((s) => s.at)).toEqual(['2026-11-02T05:00:00.000Z']);
    await fresh.scheduler.stop();
  });

  it('a machine that slept through slots while the daemon ran fires once when it wakes, not once per slot', async () => {
    const h = harness({ start: '2026-11-02T01:00:00Z', last: { acme: '2026-11-02T00:00:10Z' } });
    await h.scheduler.start();
    // Suspended for a day: six slots pass while no timer can fire.
    h.clock.suspendTo(new Date('2026-11-03T02:00:00Z'));
    await h.clock.advanceTo(new Date('2026-11-03T04:00:00Z'));
    expect(h.starts.map((s) => s.at)).toEqual(['2026-11-03T02:00:00.000Z', '2026-11-03T04:00:00.000Z']);
    await h.scheduler.stop();
  });

  it('stop aborts the run in flight, waits for it to end, and nothing fires afterwards', async () => {
    const h = harness({ start: '2026-11-02T01:00:00Z', last: { acme: '2026-11-02T00:00:10Z' }, runMs: 2 * H });
    await h.scheduler.start();
    await h.clock.advanceTo(new Date('2026-11-02T04:30:00Z'));
    expect(h.scheduler.runningOrgs()).toEqual(['acme']);
    await h.scheduler.stop();
    expect(h.ends).toEqual([{ org: 'acme', at: '2026-11-02T04:30:00.000Z', aborted: true }]);
    expect(h.scheduler.runningOrgs()).toEqual([]);
    await h.clock.advanceTo(new Date('2026-11-03T04:30:00Z'));
    expect(h.starts).toHaveLength(1);
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('keeps each organisation on its own schedule', async () => {
    const h = harness({
      start: '2026-11-02T00:30:00Z',
      orgs: [
        { org: 'acme', schedule: EVERY_4H },
        { org: 'globex', schedule: { pattern: '15 */6 * * *', timezone: 'UTC' } },
      ],
      last: { acme: '2026-11-02T00:00:10Z', globex: '2026-11-02T00:15:01Z' },
    });
    await h.scheduler.start();
    await h.clock.advanceTo(new Date('2026-11-02T12:30:00Z'));
    expect(h.starts.map((s) => `${s.org} ${s.at.slice(11, 16)}`)).toEqual(['acme 04:00', 'globex 06:15', 'acme 08:00', 'acme 12:00', 'globex 12:15']);
    await h.scheduler.stop();
  });

  it('reads cron slots in the configured time zone', async () => {
    const h = harness({
      start: '2026-11-02T00:00:00Z',
      orgs: [{ org: 'acme', schedule: { pattern: '0 9 * * *', timezone: 'Europe/Berlin' } }],
      last: { acme: '2026-11-01T08:00:05Z' },
    });
    await h.scheduler.start();
    await h.clock.advanceTo(new Date('2026-11-03T00:00:00Z'));
    // 09:00 in Berlin in November (CET, UTC+1) is 08:00 UTC.
    expect(h.starts.map((s) => s.at)).toEqual(['2026-11-02T08:00:00.000Z']);
    await h.scheduler.stop();
  });
});
