import type { RecordedRequest, SimulatedTenant } from '../fixtures/m365/index.ts';

/**
 * API calls per endpoint family, as the Graph double recorded them, against the fewest calls the
 * API allows for the same tenant. "Fewest" is computed from the tenant's collection sizes and
 * Graph's largest page size per collection, never from what the connector did.
 */

export const FAMILIES = [
  'users',
  'userRegistrationDetails',
  'roleDefinitions',
  'roleAssignments',
  'eligibility',
  'servicePrincipals',
  'oauth2PermissionGrants',
  'appRoleAssignments',
  'servicePrincipal-by-id',
  'directoryAudits',
  'token',
  'other',
] as const;
export type Family = (typeof FAMILIES)[number];

/** Largest page each collection serves. */
export const MAX_PAGE = {
  /** `GET /users` with `signInActivity` in `$select` (400 above). */
  usersWithSignIn: 500,
  /** The registration report: the double pages it by 1,000 and caps larger `$top` (as observed on Graph, unverified by Microsoft's docs). */
  reports: 1000,
  /** Directory collections (`$top` max). */
  directory: 999,
} as const;

export function familyOf(path: string): Family {
  // Identity platform: token, OpenID metadata, keys (`/{tenant}/oauth2/v2.0/token`, `/{tenant}/v2.0/.well-known/…`).
  if (!path.startsWith('/v1.0/')) return /\/(oauth2|v2\.0|discovery)\//.test(path) ? 'token' : 'other';
  switch (path) {
    // A delta query reads the same collection: counted with it (incremental runs, bench/delta-calls.ts).
    case '/v1.0/users/delta':
    case '/v1.0/users':
      return 'users';
    case '/v1.0/reports/authenticationMethods/userRegistrationDetails':
      return 'userRegistrationDetails';
    case '/v1.0/roleManagement/directory/roleDefinitions':
      return 'roleDefinitions';
    case '/v1.0/roleManagement/directory/roleAssignments':
      return 'roleAssignments';
    case '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances':
      return 'eligibility';
    case '/v1.0/servicePrincipals/delta':
    case '/v1.0/servicePrincipals':
      return 'servicePrincipals';
    case '/v1.0/oauth2PermissionGrants/delta':
    case '/v1.0/oauth2PermissionGrants':
      return 'oauth2PermissionGrants';
    case '/v1.0/auditLogs/directoryAudits':
      return 'directoryAudits';
  }
  if (/^\/v1\.0\/servicePrincipals\/[^/]+\/appRoleAssignments$/.test(path)) return 'appRoleAssignments';
  if (/^\/v1\.0\/servicePrincipals\/[^/]+$/.test(path)) return 'servicePrincipal-by-id';
  return 'other';
}

export type FamilyCounts = Record<Family, number>;

export function zeroCounts(): FamilyCounts {
  return Object.fromEntries(FAMILIES.map((f) => [f, 0])) as FamilyCounts;
}

export interface IssuedCalls {
  calls: FamilyCounts;
  /**
   * Most requests that arrived at the double within any window of a quota's length, for the two
   * quotas counted in requests: `users` with signInActivity per 60 s (quota 10; the double does not
   * enforce it, so this is how we know) and the reports per 10 s (quota 5).
   */
  busiest: { signInPer60s: number; reportsPer10s: number };
  /** Responses with status 429, per family. */
  throttled: FamilyCounts;
  /** Every status seen, e.g. `{ '200': 40, '429': 1 }`. */
  statuses: Record<string, number>;
}

export function countIssued(requests: readonly RecordedRequest[]): IssuedCalls {
  const calls = zeroCounts();
  const throttled = zeroCounts();
  const statuses: Record<string, number> = {};
  for (const r of requests) {
    const f = familyOf(r.path);
    calls[f]++;
    if (r.status === 429) throttled[f]++;
    statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
  }
  const signIn = requests.filter((r) => familyOf(r.path) === 'users' && /signInActivity/i.test(r.query.$select ?? '')).map((r) => r.at);
  const reports = requests.filter((r) => familyOf(r.path) === 'userRegistrationDetails').map((r) => r.at);
  return { calls, throttled, statuses, busiest: { signInPer60s: busiestWindow(signIn, 60_000), reportsPer10s: busiestWindow(reports, 10_000) } };
}

/** Most of `times` (ms, any order) falling in one window [t, t + windowMs). */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** Pages to read `items` at `max` per page; an empty collection still takes one call to learn it is empty. */
export function pagesNeeded(items: number, max: number): number {
  return Math.max(1, Math.ceil(items / max));
}

/**
 * Pages the double actually serves at `top` per page with its default `shortPages` quirk (every
 * third page ~10% short of `$top`, as Graph sometimes does; fixtures/m365/graph-paging.ts). No
 * client can do better than this on the double, so it is the fair floor for "calls within 5 %".
 */
export function pagesOnDouble(items: number, top: number): number {
  let offset = 0;
  let pages = 0;
  do {
    const n = pages % 3 === 2 && top > 1 ? top - Math.max(1, Math.floor(top / 10)) : top;
    offset += n;
    pages++;
  } while (offset < items);
  return pages;
}

export interface TenantShape {
  users: number;
  roleDefinitions: number;
  roleAssignments: number;
  eligibility: number;
  servicePrincipals: number;
  oauth2PermissionGrants: number;
  appRoleAssignments: number;
  /** Distinct resource service principals (Microsoft Graph, Exchange…) the app role assignments point at. */
  distinctResources: number;
  /** Assignments per service principal (for the per-SP paging minimum). */
  assignmentsPerSp: number[];
}

export function tenantShape(t: SimulatedTenant): TenantShape {
  const perSp: number[] = [];
  const resources = new Set<string>();
  for (const sp of t.servicePrincipals) {
    const a = t.appRoleAssignments(sp.id) ?? [];
    perSp.push(a.length);
    for (const x of a) resources.add(x.resourceId);
  }
  return {
    users: t.userCount,
    roleDefinitions: t.roleDefinitions.length,
    roleAssignments: t.roleAssignments.length,
    eligibility: t.roleEligibilityScheduleInstances.length,
    servicePrincipals: t.servicePrincipals.length,
    oauth2PermissionGrants: t.oauth2PermissionGrants.length,
    appRoleAssignments: perSp.reduce((a, b) => a + b, 0),
    distinctResources: resources.size,
    assignmentsPerSp: perSp,
  };
}

/**
 * The fewest calls one collection run needs. `pages` = the API's limit (ceil(items / max page));
 * `onDouble` = the same at the double's page sizes, short pages included.
 */
export function minimumCalls(s: TenantShape, pages: (items: number, max: number) => number = pagesNeeded): FamilyCounts {
  const min = zeroCounts();
  min.users = pages(s.users, MAX_PAGE.usersWithSignIn);
  min.userRegistrationDetails = pages(s.users, MAX_PAGE.reports);
  min.roleDefinitions = 1; // not paged: every definition in one response
  min.roleAssignments = pages(s.roleAssignments, MAX_PAGE.directory);
  min.eligibility = pages(s.eligibility, MAX_PAGE.directory);
  min.servicePrincipals = pages(s.servicePrincipals, MAX_PAGE.directory);
  min.oauth2PermissionGrants = pages(s.oauth2PermissionGrants, MAX_PAGE.directory);
  // Graph lists application permissions only per client service principal: one call each at least.
  min.appRoleAssignments = s.assignmentsPerSp.reduce((sum, n) => sum + pages(n, MAX_PAGE.directory), 0);
  // …plus one read per distinct resource to turn app role ids into names like `Mail.Read`.
  min['servicePrincipal-by-id'] = s.distinctResources;
  // MSAL reads the authority's OpenID configuration once (a custom authority has no built-in
  // metadata), then asks for one token; an access token lasts an hour, longer than any run here.
  min.token = 2;
  return min;
}

export const minimumCallsOnDouble = (s: TenantShape): FamilyCounts => minimumCalls(s, pagesOnDouble);

export function total(c: FamilyCounts): number {
  return FAMILIES.reduce((sum, f) => sum + c[f], 0);
}
