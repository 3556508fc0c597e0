import type { DaemonClock, TimerHandle } from '../../src/daemon/daemon-clock.ts';

/**
 * A clock tests move by hand: timers fire in time order as `advanceTo` passes them, with the
 * promises they start given a chance to settle in between. Days of schedules take milliseconds.
 */
export class FakeClock implements DaemonClock {
  #t: number;
  #seq = 0;
  #timers: Array<{ at: number; seq: number; fn: () => void }> = [];

  constructor(start: Date) {
    this.#t = start.getTime();
  }

  now(): Date {
    return new Date(this.#t);
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer = { at: this.#t + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return { cancel: () => (this.#timers = this.#timers.filter((t) => t !== timer)) };
  }

  /** Fires every timer due up to `target`, in order, letting async work settle after each. */
  async advanceTo(target: Date): Promise<void> {
    await settle();
    for (;;) {
      const next = [...this.#timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next || next.at > target.getTime()) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#t = Math.max(this.#t, next.at);
      next.fn();
      await settle();
    }
    this.#t = Math.max(this.#t, target.getTime());
    await settle();
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(new Date(this.#t + ms));
  }

  /** Moves time without firing anything (a suspended machine); overdue timers fire on the next advance. */
  suspendTo(target: Date): void {
    this.#t = Math.max(this.#t, target.getTime());
  }

  pendingTimers(): number {
    return this.#timers.length;
  }
}

/** Lets chains of resolved promises (and a few I/O turns) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
