import diagnostics from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { closeDoubles, configFor, readAll, startDouble, summary } from './google-test-harness.ts';

/**
 * Google's quota errors are 403s (`userRateLimitExceeded`, `quotaExceeded`) that its own client does
 * not retry; the connector turns gaxios' retries off and runs every attempt through our policy.
 * Waits are recorded by the injected `sleep`, not slept.
 */
describe('google-workspace quota and server errors', () => {
  afterEach(closeDoubles);

  it('403 userRateLimitExceeded on users: our backoff waits and recovers', async () => {
    const d = await startDouble({ quirks: { quotaErrors: { on: 'users', times: 2, reason: 'userRateLimitExceeded' } } });
    const r = await readAll(d, { only: ['users'] });
    expect(summary(r)).toEqual({ users: 'complete' });
    expect(r.entities('account')).toHaveLength(d.tenant.scenario.counts.users);
    expect(d.requests.filter((x) => x.path === '/admin/directory/v1/users').map((x) => x.status)).toEqual([403, 403, 200]);
    expect(r.waits.sleeps).toHaveLength(2);
    // A quota belongs to the family, not the request: the pacer holds the whole family.
    expect(r.waits.pauses.map((p) => p.family)).toEqual(['google-directory', 'google-directory']);
    const stats = r.http.stats.snapshot()['google-directory']!;
    expect(stats.retries).toEqual({ quota: 2 });
    expect(stats.throttled).toBe(2);
    // Only the successful answer becomes a page: retried attempts are not evidence of the data.
    expect(r.pages.get('users')!.map((p) => p.status)).toEqual([200]);
  });

  it('403 quotaExceeded on the per-user tokens calls: retried, every grant still collected', async () => {
    const d = await startDouble({ quirks: { quotaErrors: { on: 'tokens', times: 3, reason: 'quotaExceeded' } } });
    const r = await readAll(d, { only: ['tokens'] });
    expect(summary(r)).toEqual({ tokens: 'complete' });
    expect(r.entities('app_grant')).toHaveLength(d.tenant.scenario.counts.tokens);
    expect(r.waits.sleeps).toHaveLength(3);
  });

  it('quota forever: throttled after the policy’s attempts, with Google’s 403 kept as evidence', async () => {
    const d = await startDouble({ quirks: { quotaErrors: { on: 'users', times: Infinity, reason: 'userRateLimitExceeded' } } });
    const r = await readAll(d, { only: ['users'] });
    const o = r.outcomes.get('users')!;
    expect(o.status).toBe('failed');
    expect(o.failures).toEqual([expect.objectContaining({ kind: 'throttled', detail: expect.stringMatching(/users\.list: .*userRateLimitExceeded.*2,400 queries per minute/) })]);
    // Default policy: 5 attempts in all.
    expect(d.requests.filter((x) => x.path === '/admin/directory/v1/users')).toHaveLength(5);
    const page = r.pages.get('users')!.at(-1)!;
    expect(page.status).toBe(403);
    expect(JSON.parse(page.body)).toMatchObject({ error: { code: 403, errors: [{ reason: 'userRateLimitExceeded', domain: 'usageLimits' }] } });
  });

  it('quota forever on tokens: the stream stops as throttled instead of hammering every user', async () => {
    const d = await startDouble({ quirks: { quotaErrors: { on: 'tokens', times: Infinity, reason: 'quotaExceeded' } } });
    const r = await readAll(d, { only: ['tokens'], http: { retry: { maxAttempts: 2 } } });
    const o = r.outcomes.get('tokens')!;
    expect(o.failures.map((f) => f.kind)).toEqual(['throttled']);
    // At most the calls already in flight when the first one gave up (4 at a time, 2 attempts each).
    expect(d.requests.filter((x) => x.path.endsWith('/tokens')).length).toBeLessThanOrEqual(8);
  });

  it('503 backendError is retried and recovers', async () => {
    const d = await startDouble({ quirks: { serverError: { on: 'roles', times: 2, status: 503 } } });
    const r = await readAll(d, { only: ['roles'] });
    expect(summary(r)).toEqual({ roles: 'complete' });
    expect(r.http.stats.snapshot()['google-directory']!.retries).toEqual({ server_error: 2 });
  });

  it('500 that never clears: transient', async () => {
    const d = await startDouble({ quirks: { serverError: { on: 'users', times: Infinity, status: 500 } } });
    const r = await readAll(d, { only: ['two-step-verification'], http: { retry: { maxAttempts: 3 } } });
    expect(r.outcomes.get('two-step-verification')!.failures).toEqual([expect.objectContaining({ kind: 'transient' })]);
    expect(d.requests.filter((x) => x.path === '/admin/directory/v1/users')).toHaveLength(3);
  });

  it('the Google client retries nothing by itself: with one attempt allowed, one request is sent', async () => {
    const d = await startDouble({ quirks: { serverError: { on: 'users', times: 1, status: 503 } } });
    const r = await readAll(d, { only: ['users'], http: { retry: { maxAttempts: 1 } } });
    expect(r.outcomes.get('users')!.failures.map((f) => f.kind)).toEqual(['transient']);
    expect(d.requests.filter((x) => x.path === '/admin/directory/v1/users')).toHaveLength(1);
  });

  it('per-user tokens calls run a few at a time: several in flight, never more than four', async () => {
    const d = await startDouble({ quirks: { latencyMs: 40 } });
    const r = await readAll(d, { only: ['tokens'] });
    expect(summary(r)).toEqual({ tokens: 'complete' });
    // Arrival times at the double: requests sent together arrive within a few ms, the next
    // group only after the 40 ms answers come back.
    const at = d.requests.filter((x) => x.path.endsWith('/tokens')).map((x) => x.at);
    const together = Math.max(...at.map((t) => at.filter((u) => Math.abs(u - t) < 15).length));
    expect(together).toBeGreaterThanOrEqual(3);
    expect(together).toBeLessThanOrEqual(4);
  });

  it('a token endpoint nobody answers: retried as a network error, then transient; nothing goes to Google', async () => {
    const gone = await startDouble();
    const closedUrl = gone.tokenUrl;
    await gone.close();
    const d = await startDouble();
    // What undici was asked to connect to, wherever it was going.
    const origins = new Set<string>();
    const onCreate = (m: unknown) => origins.add(new URL(String((m as { request: { origin: string } }).request.origin)).origin);
    diagnostics.subscribe('undici:request:create', onCreate);
    let r;
    try {
      r = await readAll(d, { only: ['users'], config: configFor(d, { endpoints: { directory: d.rootUrl, token: closedUrl } }), http: { retry: { maxAttempts: 3 } } });
    } finally {
      diagnostics.unsubscribe('undici:request:create', onCreate);
    }
    expect([...origins]).toEqual([new URL(closedUrl).origin]);
    expect(r.outcomes.get('users')!.failures).toEqual([expect.objectContaining({ kind: 'transient', detail: expect.stringMatching(/ECONNREFUSED/) })]);
    expect(r.waits.sleeps).toHaveLength(2);
    expect(d.requests).toHaveLength(0);
  });
});
