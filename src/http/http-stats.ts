import type { RetryReason } from './retry-policy.ts';

/**
 * Counters per API family for one connector instance's run: what we sent, what came back, how often
 * and how long we waited. `snapshot()` is a plain JSON-safe object for the run record, logs and,
 * later, Prometheus (family → label, field → metric).
 */

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

export interface FamilyStats {
  /** Attempts sent (every retry counts). */
  requests: number;
  /** Responses received, by status class. */
  responses: Record<StatusClass, number>;
  /** Attempts that got no response (reset, refused, timeout…). */
  networkErrors: number;
  /** Retries scheduled, by reason. */
  retries: Partial<Record<RetryReason, number>>;
  /** Responses that meant "slow down": 429s, plus 403/400 quota or throttle answers. */
  throttled: number;
  bytesReceived: number;
  /** Time slept before retries (includes waits asked for by Retry-After). */
  retryWaitMs: number;
  /** Time requests spent waiting for their turn in the pacer. */
  queueWaitMs: number;
}

export type HttpStatsSnapshot = Record<string, FamilyStats>;

export interface HttpStats {
  recordRequest(family: string): void;
  recordResponse(family: string, status: number): void;
  recordNetworkError(family: string): void;
  recordThrottled(family: string): void;
  recordRetry(family: string, reason: RetryReason, waitMs: number): void;
  recordBytes(family: string, bytes: number): void;
  recordQueueWait(family: string, ms: number): void;
  /** A deep copy: later requests do not change it. */
  snapshot(): HttpStatsSnapshot;
}

function emptyStats(): FamilyStats {
  return {
    requests: 0,
    responses: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
    networkErrors: 0,
    retries: {},
    throttled: 0,
    bytesReceived: 0,
    retryWaitMs: 0,
    queueWaitMs: 0,
  };
}

/** One per connector instance (created by `createHttpContext`); never a module-level singleton. */
export function createHttpStats(): HttpStats {
  const byFamily = new Map<string, FamilyStats>();
  const of = (family: string): FamilyStats => {
    let s = byFamily.get(family);
    if (!s) byFamily.set(family, (s = emptyStats()));
    return s;
  };
  // Negative or NaN amounts would silently corrupt totals; they are bugs upstream, so ignore them.
  const amount = (n: number): number => (Number.isFinite(n) && n > 0 ? n : 0);

  return {
    recordRequest(family) {
      of(family).requests++;
    },
    recordResponse(family, status) {
      const cls = statusClass(status);
      if (cls) of(family).responses[cls]++;
    },
    recordNetworkError(family) {
      of(family).networkErrors++;
    },
    recordThrottled(family) {
      of(family).throttled++;
    },
    recordRetry(family, reason, waitMs) {
      const s = of(family);
      s.retries[reason] = (s.retries[reason] ?? 0) + 1;
      s.retryWaitMs += amount(waitMs);
    },
    recordBytes(family, bytes) {
      of(family).bytesReceived += amount(bytes);
    },
    recordQueueWait(family, ms) {
      of(family).queueWaitMs += amount(ms);
    },
    snapshot() {
      return Object.fromEntries([...byFamily].map(([family, s]) => [family, { ...s, responses: { ...s.responses }, retries: { ...s.retries } }]));
    },
  };
}

export function statusClass(status: number): StatusClass | undefined {
  if (!Number.isInteger(status) || status < 100 || status > 599) return undefined;
  return `${Math.floor(status / 100)}xx` as StatusClass;
}
