import PQueue from 'p-queue';
import { AgentError, ConfigError } from '../core/errors.ts';

/**
 * Client-side pacing per API family, so we stay under each vendor's quota instead of bouncing off
 * it. Vendors count quotas per app per tenant (Graph) or per user per project (Google), so create
 * ONE Pacer per connector instance (via `createHttpContext`): two tenants never share a budget, and
 * every stream of one instance does. Two connector instances pointed at the same tenant would each
 * get a full budget; configure one instance per tenant.
 */

export interface PacingBudget {
  /** Requests allowed to START within any rolling window of `intervalMs` (sliding window, p-queue `strict`). */
  intervalCap: number;
  /** Window length in ms. */
  intervalMs: number;
  /** Requests in flight at once. */
  concurrency: number;
}

/**
 * Budgets per family, each a little under the vendor's published quota: the server counts arrivals,
 * we count starts, and network jitter between the two can squeeze one extra request into its window.
 */
export const DEFAULT_BUDGETS: Readonly<Record<string, Readonly<PacingBudget>>> = Object.freeze({
  // Graph identity & access: token bucket of 3,500 / 5,000 / 8,000 resource units per 10 s per
  // app+tenant (by tenant size); GET users costs 2 units (−1 with $select, +1 per $expand).
  // 200 requests ≤ ~600 units leaves most of even the smallest bucket to the tenant's other apps.
  // https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits
  'graph-directory': Object.freeze({ intervalCap: 200, intervalMs: 10_000, concurrency: 4 }),
  // Graph Entra reports (incl. authenticationMethods/userRegistrationDetails): 5 requests per 10 s
  // per app per tenant. https://learn.microsoft.com/graph/throttling-limits#identity-and-access-reports-service-limits
  'graph-reports': Object.freeze({ intervalCap: 4, intervalMs: 10_000, concurrency: 1 }),
  // Graph /users with signInActivity selected: 10 requests per minute (same page as above).
  'graph-signin': Object.freeze({ intervalCap: 9, intervalMs: 60_000, concurrency: 1 }),
  // Google Admin SDK Directory: 2,400 queries per minute per user per project. 33 per second
  // (≈1,980/min) spreads the load instead of allowing a minute's worth in one burst.
  // https://developers.google.com/admin-sdk/directory/v1/limits
  'google-directory': Object.freeze({ intervalCap: 33, intervalMs: 1_000, concurrency: 4 }),
  // AWS IAM publishes no per-call read rate for these APIs; it throttles with `Throttling`. 10/s is
  // conservative and still finishes GetAccountAuthorizationDetails paging quickly.
  // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
  'aws-iam': Object.freeze({ intervalCap: 10, intervalMs: 1_000, concurrency: 2 }),
  // BambooHR publishes no numbers and answers 429 with Retry-After when over; one custom report a
  // run needs almost nothing, so this stays gentle.
  bamboohr: Object.freeze({ intervalCap: 2, intervalMs: 1_000, concurrency: 1 }),
});

export interface PacerOptions {
  /**
   * Sliding window (no more than `intervalCap` starts in ANY window) instead of p-queue's fixed
   * windows, which allow a double burst at a window boundary.
   * @default true
   */
  strict?: boolean;
  /**
   * Clock for `snapshot().pausedForMs`.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Timer that ends a `pause` (tests inject one they fire by hand, so a Retry-After of minutes costs
   * no wall time and needs no fake global timers).
   * @default setTimeout / clearTimeout (not unref'd: tasks waiting on a pause keep the process alive)
   */
  timer?: PauseTimer;
}

export interface PauseTimer {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMER: PauseTimer = {
  set: (fire, ms) => setTimeout(fire, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface FamilySnapshot {
  queued: number;
  running: number;
  /** Remaining ms of a `pause`, 0 when not paused. */
  pausedForMs: number;
}

export interface Pacer {
  /** The families this pacer knows. */
  readonly families: readonly string[];
  /**
   * Runs `task` within `family`'s budget. The task receives `signal` (or a never-aborting one). If
   * the signal aborts while the task waits its turn, the task is removed and never runs; either way
   * the promise rejects with AgentError `aborted`.
   */
  schedule<T>(family: string, task: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Holds every not-yet-started task of `family` for `ms` (after a 429: the quota is the family's, not the request's). Running tasks finish. Other families carry on. */
  pause(family: string, ms: number): void;
  snapshot(): Record<string, FamilySnapshot>;
}

interface FamilyState {
  queue: PQueue;
  pausedUntil: number;
  timer: unknown;
}

export function createPacer(budgets: Readonly<Record<string, Readonly<PacingBudget>>> = DEFAULT_BUDGETS, opts: PacerOptions = {}): Pacer {
  const strict = opts.strict ?? true;
  const now = opts.now ?? Date.now;
  const timer = opts.timer ?? REAL_TIMER;
  const states = new Map<string, FamilyState>();
  for (const [family, budget] of Object.entries(budgets)) {
    checkBudget(family, budget);
    const queue = new PQueue({ concurrency: budget.concurrency, intervalCap: budget.intervalCap, interval: budget.intervalMs, strict });
    states.set(family, { queue, pausedUntil: 0, timer: undefined });
  }
  const families = Object.freeze([...states.keys()]);

  function stateOf(family: string): FamilyState {
    const s = states.get(family);
    if (!s) throw new AgentError('internal', `unknown API family "${family}"; known families: ${families.join(', ') || '(none)'}`);
    return s;
  }

  return {
    families,
    async schedule<T>(family: string, task: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
      const { queue } = stateOf(family);
      const taskSignal = signal ?? new AbortController().signal;
      try {
        return await queue.add(() => task(taskSignal), { signal });
      } catch (e) {
        // p-queue rejects with signal.reason, both while queued and while running.
        if (signal?.aborted && e === signal.reason) throw new AgentError('aborted', `${family} request aborted`, { cause: e });
        throw e;
      }
    },
    pause(family: string, ms: number): void {
      const s = stateOf(family);
      if (!Number.isFinite(ms) || ms <= 0) return;
      const until = now() + ms;
      if (until <= s.pausedUntil) return; // a longer pause is already in force
      s.pausedUntil = until;
      s.queue.pause();
      if (s.timer !== undefined) timer.clear(s.timer);
      // Not unref'd: tasks waiting on the pause must keep the process alive until they run.
      s.timer = timer.set(() => {
        s.timer = undefined;
        s.pausedUntil = 0;
        s.queue.start();
      }, Math.min(ms, 2_147_483_647));
    },
    snapshot(): Record<string, FamilySnapshot> {
      const t = now();
      const out: Record<string, FamilySnapshot> = {};
      for (const [family, s] of states) {
        out[family] = { queued: s.queue.size, running: s.queue.pending, pausedForMs: Math.max(0, s.pausedUntil - t) };
      }
      return out;
    },
  };
}

/**
 * Config overrides (`http.pacing`) merged field by field over `base`. An override for a family no
 * connector uses is almost always a typo, so it is refused with the known names.
 */
export function mergeBudgets(
  base: Readonly<Record<string, Readonly<PacingBudget>>>,
  overrides: Readonly<Record<string, Partial<PacingBudget>>> = {},
): Record<string, PacingBudget> {
  const out: Record<string, PacingBudget> = {};
  for (const [family, budget] of Object.entries(base)) out[family] = { ...budget };
  for (const [family, o] of Object.entries(overrides)) {
    const b = out[family];
    if (!b) throw new ConfigError(`http.pacing.${family}`, `unknown API family "${family}"; known families: ${Object.keys(base).join(', ')}`);
    out[family] = { ...b, ...definedOnly(o) };
  }
  return out;
}

function definedOnly(o: Partial<PacingBudget>): Partial<PacingBudget> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function checkBudget(family: string, b: Readonly<PacingBudget> | undefined): void {
  for (const key of ['intervalCap', 'intervalMs', 'concurrency'] as const) {
    const v: unknown = b?.[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new AgentError('internal', `Expected \`${key}\` of pacing budget "${family}" to be a positive integer, got \`${String(v)}\` (${typeof v})`);
    }
  }
}
