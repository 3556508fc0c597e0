import { afterEach, describe, expect, it } from 'vitest';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { AgentError } from '../../src/core/errors.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import { createConnectorContext } from '../../src/collect/connector-context.ts';
import { failureKindOf } from '../../src/collect/stream-outcome-builder.ts';
import { ClientSecretCredential, type GetTokenOptions, type TokenCredential } from '@azure/identity';
import { createGraphSession } from './graph-client.ts';
import { graphObject } from './graph-pages.ts';
import { resolveEndpoints } from './credential.ts';
import type { M365Config } from './config-schema.ts';
import { capturingLogger, closeDoubles, collect, configFor, graphRequests, INSTANCE, M365, ORG, recordingHttp, SECRET_ENV, startDouble, watchUndici } from './m365-test-harness.ts';

/**
 * Paging quirks of Graph, through the real SDKs into a real SQLite store: short pages, bodies that
 * are not JSON or stop halfway, nextLinks that leave the origin or go round in circles.
 * Each test reads only the users stream (the others are recorded as disabled).
 */
const tenant = generateTenant({ users: 60, seed: 1 });
const USERS = tenant.userCount;
const allIds = () => Array.from({ length: USERS }, (_, i) => tenant.user(i).id).sort();
afterEach(closeDoubles);

describe('m365 paging quirks', () => {
  it('pages smaller than $top: every user collected exactly once, one stored page per response, $top=500 with signInActivity', async () => {
    const d = await startDouble({ tenant, quirks: { pageSizeCap: 7 } });
    const c = await collect(d, { only: ['users'] });
    const users = c.outcomes.get('users')!;
    expect(users).toMatchObject({ status: 'complete', failures: [], records: USERS });
    expect(c.entities('account').map((a) => a.key).sort()).toEqual(allIds());
    // 60 users at ≤ 7 a page (every third page one short: 7,7,6,…) is 9 responses, each stored.
    const calls = graphRequests(d, '/users');
    expect(calls.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(users.pages).toBe(9);
    expect(c.pages.filter((p) => p.stream === 'users')).toHaveLength(9);
    // Graph refuses more than 500 a page when signInActivity is selected; nextLinks keep the query.
    for (const r of calls) {
      expect(r.query.$top).toBe('500');
      expect(r.query.$select?.split(',')).toContain('signInActivity');
    }
    expect(c.outcomes.get('mfa-registration')!.status).toBe('disabled');
  });

  it('invalid JSON on page 1: `invalid`, partial, page 0 kept, nothing later read', async () => {
    const d = await startDouble({ tenant, quirks: { pageSizeCap: 7, failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'invalid_json' } } });
    const c = await collect(d, { only: ['users'] });
    const users = c.outcomes.get('users')!;
    expect(users.status).toBe('partial');
    expect(users.failures).toEqual([expect.objectContaining({ kind: 'invalid', detail: expect.stringMatching(/page 2 of \/v1\.0\/users was not a Graph collection.*later pages were not read/) })]);
    expect(users.records).toBe(7);
    expect(c.entities('account').map((a) => a.key).sort()).toEqual(Array.from({ length: 7 }, (_, i) => tenant.user(i).id).sort());
    // The bad body is evidence too: stored as received.
    expect(users.pages).toBe(2);
    expect(c.pages.filter((p) => p.stream === 'users')[1]!.body).toContain('<!-- upstream error -->');
    expect(graphRequests(d, '/users')).toHaveLength(2);
    expect(c.run.status).toBe('partial');
  });

  it('a body cut off halfway once: the retry reads it again and the stream is complete with every user', async () => {
    const d = await startDouble({ tenant, quirks: { pageSizeCap: 7, failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'truncated', times: 1 } } });
    const c = await collect(d, { only: ['users'] });
    expect(c.outcomes.get('users')).toMatchObject({ status: 'complete', records: USERS, pages: 9 });
    expect(c.entities('account').map((a) => a.key).sort()).toEqual(allIds());
    // The cut-off response was never stored as a page: the body was read inside the retry loop.
    expect(graphRequests(d, '/users')).toHaveLength(10);
    expect(c.waits.sleeps).toHaveLength(1);
  });

  it('a body cut off on every attempt: `transient` after the retries, partial, never complete with users missing', async () => {
    const d = await startDouble({ tenant, quirks: { pageSizeCap: 7, failPage: { pathPrefix: '/users', pageIndex: 1, kind: 'truncated' } } });
    const c = await collect(d, { only: ['users'] });
    const users = c.outcomes.get('users')!;
    expect(users.status).toBe('partial');
    expect(users.records).toBe(7);
    expect(users.failures).toEqual([expect.objectContaining({ kind: 'transient', detail: expect.stringMatching(/network error UND_ERR_SOCKET\) after 5 attempts/) })]);
    expect(graphRequests(d, '/users')).toHaveLength(1 + 5);
    expect(c.waits.sleeps).toHaveLength(4);
  });

  it('a nextLink to another host: `truncated`, not followed, and no request (let alone a bearer) left for it', async () => {
    const d = await startDouble({ tenant, quirks: { pageSizeCap: 7, foreignNextLink: '/users' } });
    const watch = watchUndici();
    let c;
    try {
      c = await collect(d, { only: ['users'] });
    } finally {
      watch.stop();
    }
    const users = c.outcomes.get('users')!;
    expect(users.status).toBe('partial');
    expect(users.records).toBe(7);
    expect(users.failures).toEqual([expect.objectContaining({ kind: 'truncated', detail: expect.stringContaining('https://evil.example.invalid') })]);
    // The page holding the foreign link is kept as evidence of what Graph sent.
    expect(c.pages.filter((p) => p.stream === 'users')[0]!.body).toContain('https://evil.example.invalid');
    expect(graphRequests(d, '/users')).toHaveLength(1);
    // Everything the connector's HTTP client sent went to the double.
    expect(watch.sent.length).toBeGreaterThan(0);
    expect(watch.sent.filter((r) => r.origin !== d.graphBaseUrl)).toEqual([]);
  });

  it('the origin guard runs before authentication: a foreign URL never gets a token minted, let alone sent', async () => {
    const d = await startDouble({ tenant });
    const config = M365.configSchema.parse(configFor(d)) as M365Config;
    const { ctx, dispose } = createConnectorContext(
      { connector: M365, instance: INSTANCE, config, disabledStreams: [] },
      { org: ORG, http: recordingHttp(d.ca).http, secrets: new SecretRegistry({ [SECRET_ENV]: d.clientSecret }), log: capturingLogger().log, signal: new AbortController().signal, now: () => new Date() },
    );
    const real = new ClientSecretCredential(d.tenantId, d.clientId, d.clientSecret, { authorityHost: d.authorityHost, disableInstanceDiscovery: true, tlsOptions: { ca: d.ca } });
    const tokenRequests: string[][] = [];
    const spy: TokenCredential = {
      getToken: (scopes: string | string[], options?: GetTokenOptions) => {
        tokenRequests.push([scopes].flat());
        return real.getToken(scopes, options);
      },
    };
    const session = createGraphSession(ctx as never, spy, resolveEndpoints(config));
    const watch = watchUndici();
    try {
      const err = await graphObject(session, 'https://evil.example.invalid/v1.0/users', { permission: 'User.Read.All' }, () => new Date()).catch((e: unknown) => e);
      // The AgentError itself reaches the caller (not the SDK's anonymous GraphError), so the collector records `truncated`.
      expect(err).toBeInstanceOf(AgentError);
      expect((err as AgentError).code).toBe('foreign_origin');
      expect(failureKindOf(err)).toBe('truncated');
      expect(tokenRequests).toEqual([]);
      expect(watch.sent).toEqual([]);
      expect(d.requests).toEqual([]);
      // The same session still works for the real origin (so the guard is not simply refusing everything).
      const ok = await graphObject(session, '/v1.0/organization', { permission: 'Directory.Read.All' }, () => new Date());
      expect(ok.status).toBe(200);
      expect(tokenRequests).toHaveLength(1);
      expect(watch.sent.map((r) => [r.origin, r.hadAuthorization])).toEqual([[d.graphBaseUrl, true]]);
    } finally {
      watch.stop();
      await session.close();
      await dispose();
    }
  });

  it('a nextLink loop: `truncated`, paging stops after the repeat, bounded requests', async () => {
    const d = await startDouble({ tenant, quirks: { pageSizeCap: 7, nextLinkLoop: '/users' } });
    const c = await collect(d, { only: ['users'] });
    const users = c.outcomes.get('users')!;
    expect(users.status).toBe('partial');
    expect(users.failures).toEqual([expect.objectContaining({ kind: 'truncated', detail: expect.stringMatching(/nextLink already followed/) })]);
    expect(users.records).toBe(14);
    expect(users.pages).toBe(2);
    // Page 1 is never requested a second time.
    expect(graphRequests(d, '/users')).toHaveLength(2);
  });
});
