import type { PacingBudget } from '../src/http/pacer.ts';
import type { HttpStatsSnapshot } from '../src/http/http-stats.ts';
import type { FamilyCounts } from './call-counts.ts';

/**
 * Lower bounds on a run's wall time, so the reader can tell time spent waiting for quotas from
 * time spent in our own code:
 * - quota floor: Microsoft's published request quotas applied to the fewest calls the API allows;
 * - pacer floor: our budgets (a little under those quotas) applied to the calls we actually sent;
 * - latency floor: the longest chain of calls that must follow one another (each page's nextLink
 *   comes from the page before), times the simulated latency per response.
 */

/** Published Graph quotas that bound a run by request count (the directory's is in resource units, not requests). */
export const DOCUMENTED_QUOTAS = {
  /** `GET /users` with `signInActivity`: 10 requests per minute per app per tenant. */
  signIn: { cap: 10, windowMs: 60_000 },
  /** Entra reports incl. userRegistrationDetails: 5 requests per 10 s per app per tenant. */
  reports: { cap: 5, windowMs: 10_000 },
} as const;

/** When the last of `calls` requests can start if at most `cap` may start in any `windowMs`. */
export function startsFloorMs(calls: number, cap: number, windowMs: number): number {
  return calls <= 1 ? 0 : Math.floor((calls - 1) / cap) * windowMs;
}

export function quotaFloorMs(min: FamilyCounts): number {
  const { signIn, reports } = DOCUMENTED_QUOTAS;
  return Math.max(startsFloorMs(min.users, signIn.cap, signIn.windowMs), startsFloorMs(min.userRegistrationDetails, reports.cap, reports.windowMs));
}

/** The pacer's own floor: each family's budget over the attempts it actually started (retries included). */
export function pacerFloorMs(stats: HttpStatsSnapshot, budgets: Readonly<Record<string, Readonly<PacingBudget>>>): number {
  let floor = 0;
  for (const [family, s] of Object.entries(stats)) {
    const b = budgets[family];
    if (b) floor = Math.max(floor, startsFloorMs(s.requests, b.intervalCap, b.intervalMs));
  }
  return floor;
}

/**
 * The pacer floor to expect before running: our budgets applied to the fewest calls the double
 * allows (short pages included), each family on its own budget.
 */
export function expectedPacerFloorMs(minOnDouble: FamilyCounts, budgets: Readonly<Record<string, Readonly<PacingBudget>>>): number {
  const directory = Object.entries(minOnDouble)
    .filter(([f]) => f !== 'users' && f !== 'userRegistrationDetails' && f !== 'token')
    .reduce((sum, [, n]) => sum + n, 0);
  const floor = (calls: number, family: string) => {
    const b = budgets[family];
    return b ? startsFloorMs(calls, b.intervalCap, b.intervalMs) : 0;
  };
  return Math.max(floor(minOnDouble.users, 'graph-signin'), floor(minOnDouble.userRegistrationDetails, 'graph-reports'), floor(directory, 'graph-directory'));
}

/** Streams run side by side, pages of one stream one after the other; the token comes first. */
export function latencyFloorMs(min: FamilyCounts, latencyMs: number): number {
  const chains = [
    min.users,
    min.userRegistrationDetails,
    min.roleDefinitions + min.roleAssignments,
    min.roleDefinitions + min.eligibility,
    min.servicePrincipals,
    min.oauth2PermissionGrants,
    // app-role-assignments: list the service principals, then each one's assignments, then each resource.
    min.servicePrincipals + min.appRoleAssignments + min['servicePrincipal-by-id'],
  ];
  return (min.token + Math.max(...chains)) * latencyMs;
}

/** Worst case for planning: a run can't finish before the quota floor plus its last page's latency, nor before its latency floor. */
export function estimatedFloorMs(min: FamilyCounts, latencyMs: number, quotasApply: boolean): number {
  return Math.max(quotasApply ? quotaFloorMs(min) + latencyMs : 0, latencyFloorMs(min, latencyMs));
}
