import type { AlertsConfig } from './alert-config.ts';

/**
 * When to try again after the `attempts`-th failed attempt (1 for the first failure): the initial
 * delay doubling each time, capped at `maxDelay`; null once `maxAttempts` attempts failed (the
 * message is given up, and the outbox keeps it with its last error).
 */
export function nextAttemptAfter(attempts: number, retry: AlertsConfig['retry'], now: Date): Date | null {
  if (attempts >= retry.maxAttempts) return null;
  const delay = Math.min(retry.maxDelay, retry.initialDelay * 2 ** Math.min(attempts - 1, 40));
  return new Date(now.getTime() + delay);
}
