import { afterEach, describe, expect, it } from 'vitest';
import { generateServiceAccountKey, SCOPES } from '../../fixtures/google-workspace/index.ts';
import { GOOGLE_PERMISSIONS } from './permissions.ts';
import { check, closeDoubles, configFor, GOOGLE, KEY_ENV, readAll, sharedKey, startDouble, summary } from './google-test-harness.ts';

const DWD = /Security → Access and data control → API controls → Manage Domain Wide Delegation/;

describe('google-workspace permissions and domain-wide delegation', () => {
  afterEach(closeDoubles);

  it('an admin without the privilege for tokens: the tokens stream is denied and names the missing privilege; the rest is complete', async () => {
    const d = await startDouble({ quirks: { deniedScopes: [SCOPES.userSecurity] } });
    const r = await readAll(d);
    expect(summary(r)).toEqual({ users: 'complete', 'two-step-verification': 'complete', roles: 'complete', tokens: 'failed[denied]' });
    const f = r.outcomes.get('tokens')!.failures[0]!;
    // The scope was granted (a token was issued): the admin's role is what lacks.
    expect(f.needs).toBe(`an admin role for ${d.adminEmail} allowing tokens.list`);
    expect(f.detail).toMatch(/Not Authorized to access this resource\/api/);
    const last = r.pages.get('tokens')!.at(-1)!;
    expect(last.status).toBe(403);
    expect(JSON.parse(last.body)).toMatchObject({ error: { code: 403, errors: [{ reason: 'forbidden' }] } });
  });

  it('user.security missing from the delegation entry: only the tokens stream fails (auth, needs the scope); check() names it', async () => {
    const d = await startDouble({ quirks: { unauthorisedScopes: [SCOPES.userSecurity] } });
    const r = await readAll(d);
    expect(summary(r)).toEqual({ users: 'complete', 'two-step-verification': 'complete', roles: 'complete', tokens: 'failed[auth]' });
    const f = r.outcomes.get('tokens')!.failures[0]!;
    expect(f).toMatchObject({ kind: 'auth', needs: SCOPES.userSecurity });
    expect(f.detail).toMatch(DWD);
    expect(f.detail).toContain(d.serviceAccount.clientId);
    // The refusal is the one page, kept as evidence: no users were paged for nothing.
    expect(r.pages.get('tokens')!.map((p) => [p.request.method, p.status])).toEqual([['POST', 401]]);
    expect(JSON.parse(r.pages.get('tokens')![0]!.body)).toMatchObject({ error: 'unauthorized_client' });

    const items = await check(d);
    expect(items.find((i) => i.name === 'credentials')?.status).toBe('ok');
    expect(items.find((i) => i.name === SCOPES.userReadonly)?.status).toBe('ok');
    expect(items.find((i) => i.name === SCOPES.userSecurity)).toMatchObject({ status: 'failed', detail: expect.stringMatching(DWD) });
  });

  it('no domain-wide delegation at all: every stream fails as auth, and check() says delegation is missing', async () => {
    const d = await startDouble({ quirks: { dwdNotAuthorised: true } });
    const r = await readAll(d);
    expect(summary(r)).toEqual({ users: 'failed[auth]', 'two-step-verification': 'failed[auth]', roles: 'failed[auth]', tokens: 'failed[auth]' });
    expect(d.requests.every((x) => x.path === '/token')).toBe(true);
    const items = await check(d);
    expect(items.find((i) => i.name === 'credentials')).toMatchObject({ status: 'failed', detail: expect.stringMatching(/domain-wide delegation is not set up for client id \d+/) });
    expect(items.filter((i) => i.status === 'failed').map((i) => i.name).sort()).toEqual(['credentials', ...GOOGLE_PERMISSIONS.map((p) => p.name)].sort());
  });

  it('an adminEmail that is not a user: invalid_grant, auth, and check() points at adminEmail', async () => {
    const d = await startDouble();
    const config = configFor(d, { adminEmail: 'nobody@contoso.com' });
    const r = await readAll(d, { config });
    expect(Object.values(summary(r))).toEqual(['failed[auth]', 'failed[auth]', 'failed[auth]', 'failed[auth]']);
    const items = await check(d, config);
    expect(items[0]).toMatchObject({ name: 'credentials', status: 'failed', detail: expect.stringMatching(/Invalid email or User ID.*adminEmail \(nobody@contoso\.com/) });
    expect(items.slice(1).every((i) => i.status === 'not_checked')).toBe(true);
  });

  it('a non-admin subject gets tokens but every call is refused (403): denied', async () => {
    const d = await startDouble();
    const plain = d.tenant.scenario.people.find((p) => !d.tenant.scenario.accounts.superAdmins.includes(p.email))!.email;
    const r = await readAll(d, { config: configFor(d, { adminEmail: plain }) });
    expect(Object.values(summary(r))).toEqual(['failed[denied]', 'failed[denied]', 'failed[denied]', 'failed[denied]']);
  });

  it('a key of another service account: refused (account not found)', async () => {
    const d = await startDouble();
    const other = generateServiceAccountKey({ accountName: 'someone-else' });
    const r = await readAll(d, { only: ['users'], env: { [KEY_ENV]: other.json } });
    expect(r.outcomes.get('users')!.failures[0]).toMatchObject({ kind: 'auth', detail: expect.stringMatching(/account not found/) });
  });

  it('a secret that is not a service account key: auth, without echoing its contents', async () => {
    const d = await startDouble();
    const r = await readAll(d, { only: ['users'], env: { [KEY_ENV]: '{"type":"authorized_user","client_secret":"s3cr3t-value"}' } });
    const o = r.outcomes.get('users')!;
    expect(o.failures).toEqual([expect.objectContaining({ kind: 'auth', detail: expect.stringMatching(/not a service account JSON key \(type/) })]);
    expect(JSON.stringify(o)).not.toContain('s3cr3t-value');
    const items = await check(d, configFor(d), { [KEY_ENV]: 'not json at all' });
    expect(items[0]).toMatchObject({ name: 'credentials', status: 'failed', detail: expect.stringMatching(/is not JSON/) });
  });

  it('the token request goes to endpoints.token, signed for Google’s audience; the assertion and key never reach pages or logs', async () => {
    const d = await startDouble();
    const r = await readAll(d);
    expect(d.counts()['POST /token']).toBe(3); // one per scope
    const key = JSON.parse(sharedKey().json) as { private_key: string };
    const keyLine = key.private_key.split('\n')[1]!;
    const everything = [...r.pages.values()].flat().map((p) => `${p.request.url} ${p.body}`).join('\n') + r.logLines.join('\n');
    expect(everything).not.toContain(keyLine);
    expect(everything).not.toContain('assertion=');
    expect(everything).not.toMatch(/ya29\./);
  });
});

describe('google-workspace config', () => {
  const base = { adminEmail: 'admin@contoso.com', serviceAccountKey: { env: 'K' } };

  it('defaults customer to my_customer and accepts https overrides', () => {
    const c = GOOGLE.configSchema.parse({ ...base, endpoints: { directory: 'https://proxy.example.com/', token: 'https://proxy.example.com/oauth/token' } }) as { customer: string };
    expect(c.customer).toBe('my_customer');
  });

  it('allows plain http only on the loopback interface, and a directory override only as an origin', () => {
    expect(GOOGLE.configSchema.safeParse({ ...base, endpoints: { token: 'http://127.0.0.1:9/token' } }).success).toBe(true);
    expect(GOOGLE.configSchema.safeParse({ ...base, endpoints: { token: 'http://proxy.example.com/token' } }).success).toBe(false);
    expect(GOOGLE.configSchema.safeParse({ ...base, endpoints: { directory: 'https://proxy.example.com/google/' } }).success).toBe(false);
    expect(GOOGLE.configSchema.safeParse({ ...base, customer: 'not a customer' }).success).toBe(false);
    expect(GOOGLE.configSchema.safeParse({ ...base, disabledStreams: ['tokens'] }).success).toBe(true);
    expect(GOOGLE.configSchema.safeParse({ ...base, disabledStreams: ['groups'] }).success).toBe(false);
  });
});
