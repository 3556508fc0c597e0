import type { Pacer } from './pacer.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { HttpStats } from './http-stats.ts';

/**
 * What a connector gets for talking HTTP: shared pacing, the retry policy, counters, and TLS trust.
 * Built by `createHttpContext` (./request-with-retry.ts), one per connector instance and run.
 */
export interface HttpContext {
  pacer: Pacer;
  retry: RetryPolicy;
  stats: HttpStats;
  /** Waits, or rejects when the signal aborts; injected so tests need not sleep for real. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Extra CA certificates (PEM) trusted besides the system's: TLS-inspecting proxies, local test doubles. */
  ca: string | null;
  /**
   * Per-attempt transport timeout (headers and body) for connectors to give their HTTP client
   * (config `http.timeoutMs`). Optional so hand-built test contexts need not set it.
   * @default 60_000 (set by `createHttpContext`)
   */
  timeoutMs?: number;
}
