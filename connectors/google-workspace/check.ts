import type { CheckItem, ConnectorContext } from '../../src/core/connector.ts';
import { describeError } from '../../src/core/errors.ts';
import type { GoogleWorkspaceConfig } from './config-schema.ts';
import { callDirectory, RAW, type DirectoryCall, type RawPage } from './directory-call.ts';
import { DWD_PATH, readGoogleError } from './google-errors.ts';
import { SCOPES, type ScopeKey } from './permissions.ts';
import { createSession, type GoogleSession } from './session.ts';
import { usersScope } from './streams/users-query.ts';

interface Probe {
  scope: ScopeKey;
  what: string;
  call: (config: GoogleWorkspaceConfig, session: GoogleSession) => DirectoryCall;
}

/** The cheapest call each scope unlocks: proves the token and the admin's privilege without reading data. */
const PROBES: Probe[] = [
  { scope: 'users', what: 'users.list', call: (config) => (c) => c.users.list({ ...usersScope(config), maxResults: 1, fields: 'users(id),nextPageToken' }, RAW) },
  { scope: 'roles', what: 'roles.list', call: (config) => (c) => c.roles.list({ customer: config.customer, maxResults: 1 }, RAW) },
  { scope: 'tokens', what: 'tokens.list', call: (_config, s) => (c) => c.tokens.list({ userKey: s.adminEmail }, RAW) },
];

/**
 * One token request per scope (see session.ts), then one call each. `credentials` fails when no
 * token at all could be had: a bad key or subject (`invalid_grant`), or no domain-wide delegation
 * for the client id (`unauthorized_client` for every scope); each scope item then says why.
 */
export async function checkGoogleWorkspace(ctx: ConnectorContext<GoogleWorkspaceConfig>): Promise<CheckItem[]> {
  const notChecked = (detail: string) => PROBES.map((p): CheckItem => ({ name: SCOPES[p.scope], status: 'not_checked', detail }));
  let session: GoogleSession;
  try {
    session = await createSession(ctx);
  } catch (e) {
    return [{ name: 'credentials', status: 'failed', detail: firstLine(describeError(e)) }, ...notChecked('no usable service account key')];
  }
  try {
    const pages: RawPage[] = [];
    for (const p of PROBES) pages.push(await callDirectory(session, p.scope, p.what, p.call(ctx.config, session), ctx.now));
    const refused = pages.filter((p) => p.fromTokenEndpoint);
    const badGrant = refused.find((p) => readGoogleError(p.body).reason === 'invalid_grant');
    const who = `${session.account.clientEmail} acting as ${session.adminEmail}`;
    if (badGrant) {
      return [{ name: 'credentials', status: 'failed', detail: badGrant.failure!.detail }, ...notChecked('no token: the credentials were refused')];
    }
    const credentials: CheckItem =
      refused.length === pages.length
        ? {
            name: 'credentials',
            status: 'failed',
            detail: `Google issued no token to ${who} for any scope (unauthorized_client): domain-wide delegation is not set up for client id ${session.account.clientId ?? '(see the key file)'}; a super admin authorises it under ${DWD_PATH}`,
          }
        : { name: 'credentials', status: 'ok', detail: `${who}: tokens issued for ${pages.length - refused.length} of ${pages.length} scopes by ${new URL(session.endpoints.token).host}` };
    const items = PROBES.map((probe, i): CheckItem => {
      const page = pages[i]!;
      if (!page.failure) return { name: SCOPES[probe.scope], status: 'ok', detail: `${probe.what} answered ${page.status}` };
      // Quota and outages say nothing about the permission either way.
      if (page.failure.kind === 'throttled' || page.failure.kind === 'transient') return { name: SCOPES[probe.scope], status: 'not_checked', detail: page.failure.detail };
      return { name: SCOPES[probe.scope], status: 'failed', detail: page.failure.detail };
    });
    return [credentials, ...items];
  } catch (e) {
    return [{ name: 'credentials', status: 'failed', detail: `could not reach Google: ${firstLine(describeError(e))}` }, ...notChecked('Google could not be reached')];
  } finally {
    await session.close();
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
