import type { Logger } from 'pino';
import type { DaemonClock, TimerHandle } from './daemon-clock.ts';
import { intervalAfter, jitterMs, nextSlot, slotMissed, type Schedule } from './schedule-math.ts';

/** Why a run started: its slot came, or a slot passed while the daemon was down (run once on start). */
export type RunReason = 'slot' | 'catch_up';

export type SchedulerEvent =
  | { type: 'run_started'; org: string; slot: Date; reason: RunReason; at: Date }
  | { type: 'run_ended'; org: string; slot: Date; at: Date }
  | { type: 'slot_skipped'; org: string; slot: Date; at: Date }
  | { type: 'next_slot'; org: string; slot: Date; fireAt: Date };

export interface SchedulerOptions {
  orgs: ReadonlyArray<{ org: string; schedule: Schedule }>;
  /** Upper bound of the random delay after each slot (also bounded by half the interval). */
  maxJitterMs: number;
  clock: DaemonClock;
  /** In [0, 1); Math.random in production. */
  random: () => number;
  log: Logger;
  /** Start of the org's newest run that counts (not interrupted), from the store; null if none. */
  lastRunStart: (org: string) => Promise<Date | null>;
  /** One full run of the org (every connector); must settle soon after `signal` aborts. */
  runOrg: (org: string, signal: AbortSignal, slot: Date) => Promise<void>;
  onEvent?: (e: SchedulerEvent) => void;
}

interface OrgState {
  org: string;
  schedule: Schedule;
  timer: TimerHandle | null;
  running: Promise<void> | null;
  controller: AbortController | null;
}

/**
 * Fires each organisation's runs at its cron slots (plus jitter). Never two runs of one org at
 * once: a slot that comes while the previous run is still going is skipped and logged, not queued.
 * On start, a slot missed while the daemon was down (judged from the store's last run) is run
 * once, however many were missed. Time comes only from the injected clock.
 */
export class Scheduler {
  readonly #opts: SchedulerOptions;
  readonly #orgs: OrgState[];
  #stopped = false;

  constructor(opts: SchedulerOptions) {
    this.#opts = opts;
    this.#orgs = opts.orgs.map((o) => ({ org: o.org, schedule: o.schedule, timer: null, running: null, controller: null }));
  }

  async start(): Promise<void> {
    for (const state of this.#orgs) {
      const now = this.#opts.clock.now();
      const last = await this.#opts.lastRunStart(state.org);
      if (this.#stopped) return;
      if (slotMissed(state.schedule, last, now)) {
        this.#opts.log.info({ org: state.org, lastRunStart: last?.toISOString() ?? null }, 'a slot passed without a run; running once now');
        this.#launch(state, now, 'catch_up');
      }
      this.#armAfter(state, now);
    }
  }

  /** Stops firing, aborts runs in flight and waits for them to settle (they seal as interrupted). */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const state of this.#orgs) {
      state.timer?.cancel();
      state.timer = null;
      state.controller?.abort();
    }
    await Promise.all(this.#orgs.map((s) => s.running));
  }

  /** Orgs with a run in flight (for health and tests). */
  runningOrgs(): string[] {
    return this.#orgs.filter((s) => s.running !== null).map((s) => s.org);
  }

  #armAfter(state: OrgState, after: Date): void {
    const slot = nextSlot(state.schedule, after);
    if (slot === null) {
      this.#opts.log.warn({ org: state.org, pattern: state.schedule.pattern }, 'the schedule has no future slot; this organisation will not run again');
      return;
    }
    const delay = jitterMs(this.#opts.maxJitterMs, intervalAfter(state.schedule, slot), this.#opts.random);
    const fireAt = new Date(slot.getTime() + delay);
    this.#opts.onEvent?.({ type: 'next_slot', org: state.org, slot, fireAt });
    this.#arm(state, slot, fireAt);
  }

  #arm(state: OrgState, slot: Date, fireAt: Date): void {
    const wait = fireAt.getTime() - this.#opts.clock.now().getTime();
    state.timer = this.#opts.clock.setTimer(Math.max(0, wait), () => {
      state.timer = null;
      if (this.#stopped) return;
      const now = this.#opts.clock.now();
      // Long waits are split by the timer; a wake-up before the fire time just waits again.
      if (now.getTime() < fireAt.getTime()) return this.#arm(state, slot, fireAt);
      if (state.running !== null) {
        this.#opts.log.warn({ org: state.org, slot: slot.toISOString() }, 'slot skipped: the previous run of this organisation is still running');
        this.#opts.onEvent?.({ type: 'slot_skipped', org: state.org, slot, at: now });
      } else {
        this.#launch(state, slot, 'slot');
      }
      // From now, not from the slot: slots that passed while the machine slept collapse into this one.
      this.#armAfter(state, now);
    });
  }

  #launch(state: OrgState, slot: Date, reason: RunReason): void {
    const controller = new AbortController();
    state.controller = controller;
    this.#opts.onEvent?.({ type: 'run_started', org: state.org, slot, reason, at: this.#opts.clock.now() });
    state.running = this.#opts
      .runOrg(state.org, controller.signal, slot)
      .catch((err: unknown) => {
        // The run's own failures are recorded in the store; what lands here is the store or a bug.
        this.#opts.log.error({ org: state.org, err }, 'scheduled run failed');
      })
      .finally(() => {
        state.running = null;
        state.controller = null;
        this.#opts.onEvent?.({ type: 'run_ended', org: state.org, slot, at: this.#opts.clock.now() });
      });
  }
}
