import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { closeDoubles, collect, graphRequests, startDouble, type Collected } from './m365-test-harness.ts';
import type { GraphDouble } from '../../fixtures/m365/index.ts';

/**
 * A run asks Graph for each collection once: role definitions and service principals are shared
 * by the streams that need them, and delegated grants are read 999 a page instead of Graph's default 100.
 */
const tenant = generateTenant({ users: 1500, seed: 1 });
let d: GraphDouble;
let c: Collected;

beforeAll(async () => {
  d = await startDouble({ tenant, quirks: { shortPages: false } });
  c = await collect(d);
});
afterAll(closeDoubles);

describe('m365 calls per run', () => {
  it('every stream complete', () => {
    expect([...c.outcomes.values()].filter((o) => o.status !== 'complete')).toEqual([]);
  });

  it('role definitions: one call, kept as evidence by both role streams', () => {
    expect(graphRequests(d, '/roleManagement/directory/roleDefinitions')).toHaveLength(1);
    const defs = c.snapshot.pageHashes;
    const first = (stream: string) => defs[`m365-test/${stream}`]![0];
    expect(first('role-assignments')).toBeDefined();
    expect(first('role-assignments')).toBe(first('role-eligibility'));
  });

  it('service principals: one list call; every one is walked for its application permissions', () => {
    expect(graphRequests(d, '/v1.0/servicePrincipals')).toHaveLength(1);
    expect(graphRequests(d).filter((r) => r.path.endsWith('/appRoleAssignments'))).toHaveLength(tenant.servicePrincipals.length);
    expect(c.entities('app')).toHaveLength(tenant.servicePrincipals.length);
    expect(c.snapshot.pageHashes['m365-test/app-role-assignments']![0]).toBe(c.snapshot.pageHashes['m365-test/service-principals']![0]);
  });

  it('delegated grants: $top=999, one call for a tenant with more than 100 of them', () => {
    const calls = graphRequests(d, '/oauth2PermissionGrants');
    expect(calls.map((r) => r.query.$top)).toEqual(['999']);
    expect(c.entities('app_grant').filter((g) => g.grantType === 'delegated')).toHaveLength(tenant.oauth2PermissionGrants.length);
  });
});
