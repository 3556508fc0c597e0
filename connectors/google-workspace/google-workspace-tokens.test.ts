import { afterEach, describe, expect, it } from 'vitest';
import { closeDoubles, readAll, startDouble, summary } from './google-test-harness.ts';

describe('google-workspace tokens: per-user gaps', () => {
  afterEach(closeDoubles);

  it('a suspended user’s tokens call fails as Google’s does: recorded with the user named, stream partial, the others read', async () => {
    const d = await startDouble({ quirks: { suspendedTokensError: true } });
    const sc = d.tenant.scenario;
    const r = await readAll(d, { only: ['tokens'] });
    const o = r.outcomes.get('tokens')!;
    expect(o.status).toBe('partial');
    // One gap per suspended user (the double answers 401 for each), each naming the user.
    expect(o.failures).toHaveLength(sc.accounts.suspended.length);
    for (const email of sc.accounts.suspended) {
      expect(o.failures).toContainEqual(expect.objectContaining({ kind: 'denied', detail: expect.stringContaining(`suspended user ${email}`) }));
    }
    expect(o.failures.every((f) => f.needs === undefined && /HTTP 401 authError/.test(f.detail))).toBe(true);
    // Every call was made, and every grant of the other users collected. Google's 401 cannot tell
    // an expired token from a suspended user, so each suspended user's call is tried once more
    // with a new token before the gap is recorded.
    expect(d.requests.filter((x) => x.path.endsWith('/tokens'))).toHaveLength(sc.counts.users + sc.accounts.suspended.length);
    const hidden = sc.accounts.suspendedWithTokens.map((e) => d.tenant.tokens(d.tenant.indexOfKey(e)!).length).reduce((a, b) => a + b, 0);
    expect(hidden).toBeGreaterThan(0);
    expect(r.entities('app_grant')).toHaveLength(sc.counts.tokens - hidden);
    // The refusal is stored as evidence, carrying the gap, with no entities.
    const gapPages = r.pages.get('tokens')!.filter((p) => p.status === 401);
    expect(gapPages).toHaveLength(sc.accounts.suspended.length);
    expect(gapPages.every((p) => p.entities.length === 0 && p.failures.length === 1)).toBe(true);
  });

  it('without the quirk, suspended users’ tokens are listed like anyone’s', async () => {
    const d = await startDouble();
    const r = await readAll(d, { only: ['tokens'] });
    expect(summary(r)).toEqual({ tokens: 'complete' });
    const suspended = d.tenant.scenario.accounts.suspendedWithTokens[0]!;
    const id = d.tenant.person(d.tenant.indexOfKey(suspended)!).id;
    expect(r.entities('app_grant').filter((g) => g.principalKey === id).length).toBeGreaterThan(0);
  });

  it('one unreadable tokens answer spoils that user only', async () => {
    const d = await startDouble({ quirks: { invalidJsonPage: { on: 'tokens', page: 2 } } });
    const r = await readAll(d, { only: ['tokens'] });
    const o = r.outcomes.get('tokens')!;
    expect(o.status).toBe('partial');
    expect(o.failures).toEqual([expect.objectContaining({ kind: 'invalid', detail: expect.stringMatching(/^tokens\.list for \S+@contoso\.com: .*not understood.*grants were not counted/) })]);
    expect(d.requests.filter((x) => x.path.endsWith('/tokens'))).toHaveLength(d.tenant.scenario.counts.users);
  });

  it('a failure while listing the users stops the stream before any tokens call', async () => {
    const d = await startDouble({ quirks: { invalidJsonPage: { on: 'users', page: 1 } } });
    const r = await readAll(d, { only: ['tokens'] });
    expect(r.outcomes.get('tokens')).toMatchObject({ status: 'failed', failures: [expect.objectContaining({ kind: 'invalid' })] });
    expect(d.requests.filter((x) => x.path.endsWith('/tokens'))).toHaveLength(0);
  });
});
