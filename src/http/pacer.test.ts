import { describe, expect, it } from 'vitest';
import { AgentError, ConfigError } from '../core/errors.ts';
import { createPacer, DEFAULT_BUDGETS, mergeBudgets } from './pacer.ts';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Node timers may fire up to ~1 ms early relative to Date.now(); allow that much, no more.
const SLACK_MS = 2;

describe('createPacer', () => {
  it('starts no more than intervalCap tasks within any window, also across window boundaries', async () => {
    const pacer = createPacer({ t: { intervalCap: 2, intervalMs: 50, concurrency: 10 } });
    const starts: number[] = [];
    const task = async (): Promise<void> => {
      starts.push(Date.now());
    };
    // One task now and a wave 35 ms later: a fixed-window limiter would start 1 + 1 before the 50 ms
    // boundary and 2 more right after it, i.e. 3 inside 15 ms. The sliding window must not.
    const first = pacer.schedule('t', task);
    await delay(35);
    await Promise.all([first, ...Array.from({ length: 6 }, () => pacer.schedule('t', task))]);
    expect(starts).toHaveLength(7);
    // Task i and task i+cap can never start less than one interval apart.
    for (let i = 0; i + 2 < starts.length; i++) {
      expect(starts[i + 2]! - starts[i]!).toBeGreaterThanOrEqual(50 - SLACK_MS);
    }
  });

  it('limits concurrency', async () => {
    const pacer = createPacer({ t: { intervalCap: 100, intervalMs: 1000, concurrency: 2 } });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        pacer.schedule('t', async () => {
          running++;
          peak = Math.max(peak, running);
          await delay(10);
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });

  it('pause holds the family (and not the others) until its injected timer fires, whatever the wall clock does', async () => {
    let clock = 1_000_000;
    const timers: { fire: () => void; ms: number; cleared: boolean }[] = [];
    const pacer = createPacer(
      { a: { intervalCap: 10, intervalMs: 1000, concurrency: 2 }, b: { intervalCap: 10, intervalMs: 1000, concurrency: 2 } },
      {
        now: () => clock,
        timer: {
          set: (fire, ms) => timers.push({ fire, ms, cleared: false }) - 1,
          clear: (i) => void (timers[i as number]!.cleared = true),
        },
      },
    );
    pacer.pause('a', 600_000); // a 10-minute Retry-After costs no test time
    pacer.pause('a', 20); // a shorter pause never shortens one in force
    expect(timers.map((t) => t.ms)).toEqual([600_000]);
    expect(pacer.snapshot().a!.pausedForMs).toBe(600_000);
    let ranA = false;
    const startedA = pacer.schedule('a', async () => (ranA = true));
    expect(await pacer.schedule('b', async () => 'b ran')).toBe('b ran');
    await delay(10);
    expect(ranA).toBe(false);
    expect(pacer.snapshot().a).toMatchObject({ queued: 1, running: 0 });
    pacer.pause('a', 900_000); // a longer one replaces the timer
    expect(timers.map((t) => [t.ms, t.cleared])).toEqual([[600_000, true], [900_000, false]]);
    clock += 900_000;
    timers[1]!.fire();
    expect(await startedA).toBe(true);
    expect(pacer.snapshot().a!.pausedForMs).toBe(0);
  });

  it('removes a queued task when its signal aborts; it never runs', async () => {
    const pacer = createPacer({ t: { intervalCap: 10, intervalMs: 1000, concurrency: 1 } });
    let release!: () => void;
    const first = pacer.schedule('t', () => new Promise<string>((r) => (release = () => r('first'))));
    const ac = new AbortController();
    let ran = false;
    const second = pacer.schedule(
      't',
      async () => {
        ran = true;
      },
      ac.signal,
    );
    await delay(5);
    expect(pacer.snapshot().t).toEqual({ queued: 1, running: 1, pausedForMs: 0 });
    ac.abort();
    await expect(second).rejects.toMatchObject({ code: 'aborted' });
    expect(pacer.snapshot().t).toMatchObject({ queued: 0, running: 1 });
    release();
    expect(await first).toBe('first');
    await delay(5);
    expect(ran).toBe(false);
  });

  it('rejects a running task with aborted when its signal aborts, and hands the signal to the task', async () => {
    const pacer = createPacer({ t: { intervalCap: 10, intervalMs: 1000, concurrency: 1 } });
    const ac = new AbortController();
    let seen: AbortSignal | undefined;
    const p = pacer.schedule(
      't',
      (signal) => {
        seen = signal;
        return new Promise<void>(() => undefined);
      },
      ac.signal,
    );
    await delay(5);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'aborted' });
    expect(seen).toBe(ac.signal);
  });

  it('passes task errors through unchanged', async () => {
    const pacer = createPacer({ t: { intervalCap: 10, intervalMs: 1000, concurrency: 1 } });
    const boom = new Error('boom');
    await expect(pacer.schedule('t', async () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('refuses an unknown family, naming the known ones', async () => {
    const pacer = createPacer();
    const e = await pacer.schedule('graph-users', async () => 1).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(AgentError);
    expect((e as AgentError).code).toBe('internal');
    expect((e as AgentError).message).toBe(
      'unknown API family "graph-users"; known families: graph-directory, graph-reports, graph-signin, google-directory, aws-iam, bamboohr',
    );
    expect(() => pacer.pause('nope', 10)).toThrow(/known families: graph-directory/);
  });

  it('refuses a malformed budget, saying what it expected and got', () => {
    expect(() => createPacer({ x: { intervalCap: 0, intervalMs: 10, concurrency: 1 } })).toThrow(
      'Expected `intervalCap` of pacing budget "x" to be a positive integer, got `0` (number)',
    );
  });

  it('snapshot lists every family', () => {
    expect(Object.keys(createPacer().snapshot())).toEqual(Object.keys(DEFAULT_BUDGETS));
  });
});

describe('mergeBudgets', () => {
  it('merges config overrides field by field over the defaults', () => {
    const merged = mergeBudgets(DEFAULT_BUDGETS, { 'graph-reports': { intervalCap: 2 }, 'aws-iam': { intervalCap: 5, intervalMs: 1000, concurrency: 1 } });
    expect(merged['graph-reports']).toEqual({ intervalCap: 2, intervalMs: 10_000, concurrency: 1 });
    expect(merged['aws-iam']).toEqual({ intervalCap: 5, intervalMs: 1000, concurrency: 1 });
    expect(merged['graph-directory']).toEqual(DEFAULT_BUDGETS['graph-directory']);
    expect(DEFAULT_BUDGETS['graph-reports']!.intervalCap).toBe(4); // defaults untouched
  });

  it('refuses an override for an unknown family with the config path', () => {
    const e = (() => {
      try {
        mergeBudgets(DEFAULT_BUDGETS, { 'graph-report': { intervalCap: 2 } });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).path).toBe('http.pacing.graph-report');
    expect((e as ConfigError).message).toMatch(/unknown API family "graph-report"; known families: graph-directory, graph-reports/);
  });
});
