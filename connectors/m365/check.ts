import type { CheckItem, ConnectorContext } from '../../src/core/connector.ts';
import { describeError } from '../../src/core/errors.ts';
import type { M365Config } from './config-schema.ts';
import { createCredential, resolveEndpoints } from './credential.ts';
import { createGraphSession } from './graph-client.ts';
import { graphObject } from './graph-pages.ts';

interface Probe {
  permission: string;
  path: string;
  /** The licence this probe also proves, when its refusal can mean "no licence". */
  licence?: string;
}

/** The cheapest call that each permission unlocks (`$top=1`): proves access without reading data. */
const PROBES: Probe[] = [
  { permission: 'User.Read.All', path: '/v1.0/users?$select=id&$top=1' },
  { permission: 'AuditLog.Read.All', path: '/v1.0/users?$select=id,signInActivity&$top=1', licence: 'Microsoft Entra ID P1 or P2' },
  { permission: 'AuditLog.Read.All', path: '/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=1', licence: 'Microsoft Entra ID P1 or P2' },
  { permission: 'RoleManagement.Read.Directory', path: '/v1.0/roleManagement/directory/roleDefinitions?$top=1' },
  { permission: 'RoleEligibilitySchedule.Read.Directory', path: '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$top=1', licence: 'Microsoft Entra ID P2' },
  { permission: 'Application.Read.All', path: '/v1.0/servicePrincipals?$select=id&$top=1' },
  { permission: 'Directory.Read.All', path: '/v1.0/oauth2PermissionGrants?$top=1' },
];

export async function checkM365(ctx: ConnectorContext<M365Config>): Promise<CheckItem[]> {
  const endpoints = resolveEndpoints(ctx.config);
  let session;
  try {
    const credential = await createCredential(ctx, endpoints);
    await credential.getToken(`${endpoints.graph}/.default`, { abortSignal: ctx.signal });
    session = createGraphSession(ctx, credential, endpoints);
  } catch (e) {
    return [
      { name: 'credentials', status: 'failed', detail: `could not get a token for ${endpoints.graph}: ${firstLine(describeError(e))}` },
      ...[...new Set(PROBES.map((p) => p.permission))].map((name): CheckItem => ({ name, status: 'not_checked', detail: 'no token' })),
    ];
  }
  const items = new Map<string, CheckItem>();
  items.set('credentials', { name: 'credentials', status: 'ok', detail: `token issued by ${endpoints.authority} for ${endpoints.graph}` });
  try {
    for (const probe of PROBES) {
      const page = await graphObject(session, probe.path, { permission: probe.permission, ...(probe.licence ? { licence: probe.licence } : {}) }, ctx.now);
      const f = page.failure;
      const previous = items.get(probe.permission);
      if (!f) {
        if (!previous) items.set(probe.permission, { name: probe.permission, status: 'ok', detail: `GET ${new URL(page.url).pathname} answered ${page.status}` });
        if (probe.licence && !items.has(probe.licence)) items.set(probe.licence, { name: probe.licence, status: 'ok', detail: `${new URL(page.url).pathname} is served, so the licence is present` });
      } else if (f.kind === 'unlicensed' && probe.licence) {
        items.set(probe.licence, { name: probe.licence, status: 'failed', detail: f.detail });
      } else if (previous?.status !== 'failed') {
        items.set(probe.permission, { name: probe.permission, status: 'failed', detail: f.detail });
      }
    }
  } finally {
    await session.close();
  }
  // A licence refusal proves nothing about the permission (and a denial nothing about the
  // licence): say so rather than leave the item out, so every probed name is listed.
  for (const name of new Set(PROBES.flatMap((p) => (p.licence ? [p.permission, p.licence] : [p.permission])))) {
    if (!items.has(name)) items.set(name, { name, status: 'not_checked', detail: 'could not be proved: every endpoint that needs it was refused for another reason (see the items that failed)' });
  }
  return [...items.values()];
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
