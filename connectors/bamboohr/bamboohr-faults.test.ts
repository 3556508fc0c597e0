import { afterEach, describe, expect, it } from 'vitest';
import { FIELD_ACCESS } from './permissions.ts';
import { BAMBOOHR_FAMILY } from './bamboo-call.ts';
import { checkBamboo, closeDoubles, configFor, demoCompany, KEY_ENV, readEmployees, startDouble } from './bamboo-test-harness.ts';

afterEach(closeDoubles);

describe('throttling and outages', () => {
  it('a 429 with Retry-After is waited out (and pauses the family), then everything is read', async () => {
    const d = await startDouble({ quirks: { throttle: { status: 429, times: 2, retryAfterSeconds: 3 } } });
    const r = await readEmployees(d);
    expect(r.outcome).toMatchObject({ status: 'complete', records: demoCompany().scenario.counts.employees });
    expect(d.requests.map((q) => q.status)).toEqual([429, 429, 200]);
    expect(r.waits.sleeps).toEqual([3000, 3000]);
    expect(r.waits.pauses).toEqual([
      { family: BAMBOOHR_FAMILY, ms: 3000 },
      { family: BAMBOOHR_FAMILY, ms: 3000 },
    ]);
    expect(r.http.stats.snapshot()[BAMBOOHR_FAMILY]).toMatchObject({ requests: 3, throttled: 2 });
  });

  it("BambooHR's older 503 + Retry-After rate limit is retried after the wait it asks for", async () => {
    const d = await startDouble({ quirks: { throttle: { status: 503, times: 1, retryAfterSeconds: 5 } } });
    const r = await readEmployees(d);
    expect(r.outcome.status).toBe('complete');
    expect(r.waits.sleeps).toEqual([5000]);
  });

  it('a 429 that never clears is throttled after the retry budget, with the last answer stored', async () => {
    const d = await startDouble({ quirks: { throttle: { status: 429, times: Infinity, retryAfterSeconds: 1 } } });
    const r = await readEmployees(d);
    expect(d.requests).toHaveLength(5);
    expect(r.outcome).toMatchObject({ status: 'failed', records: 0 });
    expect(r.outcome.failures).toEqual([{ kind: 'throttled', detail: expect.stringContaining('kept rate-limiting the report after retries (HTTP 429)') }]);
    expect(r.pages[0]!.status).toBe(429);
  });

  it('a Retry-After longer than http.maxRetryAfterMs is not waited for', async () => {
    const d = await startDouble({ quirks: { throttle: { status: 429, times: Infinity, retryAfterSeconds: 3600 } } });
    const r = await readEmployees(d);
    expect(d.requests).toHaveLength(1);
    expect(r.waits.sleeps).toEqual([]);
    expect(r.outcome.failures.map((f) => f.kind)).toEqual(['throttled']);
  });

  it('a lasting 503 is transient', async () => {
    const d = await startDouble({ quirks: { serverError: { status: 503, times: Infinity } } });
    const r = await readEmployees(d);
    expect(r.outcome.failures).toEqual([{ kind: 'transient', detail: expect.stringContaining('BambooHR was unavailable after retries (HTTP 503') }]);
  });

  it('a 500 that clears is retried with backoff', async () => {
    const d = await startDouble({ quirks: { serverError: { status: 500, times: 1 } } });
    expect((await readEmployees(d)).outcome.status).toBe('complete');
  });
});

describe('credentials and access', () => {
  it('a wrong API key is auth, and check says the credentials failed', async () => {
    const d = await startDouble();
    const env = { [KEY_ENV]: 'not-the-key' };
    const r = await readEmployees(d, { env });
    expect(d.requests[0]).toMatchObject({ status: 401, hadAuth: true });
    expect(r.outcome).toMatchObject({ status: 'failed', records: 0 });
    expect(r.outcome.failures).toEqual([{ kind: 'auth', detail: expect.stringContaining('BambooHR refused the API key (HTTP 401 "Invalid API key")') }]);
    const items = await checkBamboo(d, { env });
    expect(items.map((i) => [i.name, i.status])).toEqual([
      ['credentials', 'failed'],
      [FIELD_ACCESS, 'not_checked'],
    ]);
  });

  it('a missing secret stops the stream as auth before any request', async () => {
    const d = await startDouble();
    const r = await readEmployees(d, { env: {} });
    expect(d.requests).toHaveLength(0);
    expect(r.outcome.failures).toEqual([{ kind: 'auth', detail: expect.stringContaining(`environment variable ${KEY_ENV} is not set`) }]);
  });

  it('a user who may not run reports is denied (403)', async () => {
    const d = await startDouble({ quirks: { reportsForbidden: true } });
    const r = await readEmployees(d);
    expect(r.outcome.failures).toEqual([{ kind: 'denied', detail: expect.stringContaining('HTTP 403 "You do not have access to this resource"'), needs: FIELD_ACCESS }]);
    const items = await checkBamboo(d);
    expect(items.map((i) => i.status)).toEqual(['ok', 'failed']);
  });

  it('fields the key may not see are left out by BambooHR: people still count, the field is marked unknown', async () => {
    const d = await startDouble({ quirks: { hiddenFields: ['terminationDate', 'workEmail'] } });
    const r = await readEmployees(d);
    expect(r.outcome).toMatchObject({ status: 'partial', records: demoCompany().scenario.counts.employees });
    expect(r.outcome.failures.map((f) => [f.kind, f.field, f.needs])).toEqual([
      ['denied', 'leaveDate', FIELD_ACCESS],
      ['denied', 'email', FIELD_ACCESS],
    ]);
    expect(r.outcome.failures[0]!.detail).toBe(`BambooHR left "terminationDate" (Termination Date) out of the custom report, which it does for fields the API key's user may not see; every person's leaveDate is unknown`);
    expect(r.people.every((p) => p.leaveDate === null && p.email === null)).toBe(true);
    // Inactive still says who left, just not when.
    expect(r.people.find((p) => p.key === demoCompany().scenario.leaver!.id)!.status).toBe('terminated');
    const items = await checkBamboo(d);
    expect(items[1]).toMatchObject({ status: 'failed', detail: expect.stringContaining('BambooHR leaves workEmail, terminationDate out of custom reports') });
  });

  it("a hidden status leaves everyone's status unknown rather than guessed", async () => {
    const d = await startDouble({ quirks: { hiddenFields: ['status'] } });
    const r = await readEmployees(d);
    expect(r.outcome.failures.map((f) => f.field)).toEqual(['status']);
    expect(new Set(r.people.map((p) => p.status))).toEqual(new Set(['unknown']));
  });

  it('check proves the key and field access with a report that returns nobody', async () => {
    const d = await startDouble();
    const items = await checkBamboo(d);
    expect(items.map((i) => [i.name, i.status])).toEqual([
      ['credentials', 'ok'],
      [FIELD_ACCESS, 'ok'],
    ]);
    expect(d.requests).toHaveLength(1);
    expect(d.requests[0]!.status).toBe(200);
  });
});

describe('odd answers', () => {
  it('a 200 with cut-off JSON is invalid and nobody is counted', async () => {
    const d = await startDouble({ quirks: { truncatedBody: true } });
    const r = await readEmployees(d);
    expect(r.outcome).toMatchObject({ status: 'failed', records: 0 });
    expect(r.outcome.failures).toEqual([{ kind: 'invalid', detail: expect.stringContaining("BambooHR's custom report was not understood") }]);
  });

  it('a wrong subdomain (404) is invalid and names the subdomain', async () => {
    const d = await startDouble();
    const r = await readEmployees(d, { config: configFor(d, { subdomain: 'fabrikam', endpoints: { api: `${d.origin}/api/gateway.php/fabrikam/v1` } }) });
    expect(r.outcome.failures).toEqual([{ kind: 'invalid', detail: expect.stringContaining('check subdomain "fabrikam"') }]);
  });
});
