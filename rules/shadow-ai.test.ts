import { describe, expect, it } from 'vitest';
import type { ApprovedAppConfig } from '../src/core/config.ts';
import { ConfigError } from '../src/core/errors.ts';
import type { App, Entity } from '../src/core/model.ts';
import { buildSnapshotView } from '../src/evaluate/build-view.ts';
import { evaluateRules } from '../src/evaluate/run-rules.ts';
import { createAccount, createOutcome, createSnapshot, createSource, evaluateRule } from '../src/evaluate/test-factories.ts';
import { createApp, createAppGrant, createGoogleToken } from './ai-catalog/app-factories.ts';
import { DEFAULT_AI_CATALOG } from './ai-catalog/default-catalog.ts';
import { shadowAi } from './shadow-ai.ts';

const MICROSOFT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
const gws = createSource({ connector: 'google-workspace', instance: 'gws-main' });
const [ann, bob, carl, dan] = ['ann', 'bob', 'carl', 'dan'].map((n) => createAccount({ key: `u-${n}`, username: `${n}@contoso.com` })) as [ReturnType<typeof createAccount>, ReturnType<typeof createAccount>, ReturnType<typeof createAccount>, ReturnType<typeof createAccount>];
const gAnn = createAccount({ key: '1001', username: 'ann@contoso.com', source: gws });

const chatgpt = createApp({
  key: 'sp-chatgpt',
  displayName: 'ChatGPT',
  publisher: { name: 'OpenAI', verifiedId: '6263142' },
  homepage: 'https://chatgpt.com',
  replyUrls: ['https://chatgpt.com/connector_platform_oauth_redirect'],
});
const claude = createApp({ key: 'sp-claude', displayName: 'Claude', publisher: { name: 'Anthropic, PBC', verifiedId: '6725518' }, homepage: 'https://claude.ai' });
const copilot = createApp({ key: 'sp-copilot', displayName: 'Microsoft 365 Copilot', ownerTenantId: MICROSOFT, firstParty: true, homepage: 'https://www.microsoft365.com/copilot' });
const zoom = createApp({ key: 'sp-zoom', displayName: 'Zoom', publisher: { name: 'Zoom Video Communications, Inc.', verifiedId: '5119453' }, homepage: 'https://zoom.us' });

const CHATGPT_SCOPES = ['offline_access', 'User.Read', 'Mail.Read', 'Files.Read.All'];
const consent = (app: App, user: { key: string }, scopes = CHATGPT_SCOPES) => createAppGrant({ appKey: app.key, principalKey: user.key, scopes });
const adminConsent = (app: App, scopes: string[]) => createAppGrant({ appKey: app.key, consentType: 'all_principals', scopes });
const appOnly = (app: App, scopes: string[]) => createAppGrant({ appKey: app.key, consentType: 'application', scopes });

const approval = (partial: Partial<ApprovedAppConfig> = {}): ApprovedAppConfig => ({
  app: 'chatgpt',
  owner: 'it-lead@contoso.com',
  purpose: 'drafting',
  dataAllowed: 'internal, no customer data',
  approvedBy: 'ciso@contoso.com',
  reviewDate: '2025-12-31',
  ...partial,
});

const users = [ann, bob, carl, dan];
const run = (entities: Entity[], params: Record<string, unknown> = {}) =>
  evaluateRule(shadowAi, createSnapshot({ entities: [...users, ...entities], streams: ['account', 'app', 'app_grant'] }), { params });

describe('shadow-ai', () => {
  it('fails an AI app users consented to without approval, severity high for mail and files, naming who and what', () => {
    const result = run([chatgpt, consent(chatgpt, ann), consent(chatgpt, bob), consent(chatgpt, carl)]);
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(1);
    expect(result.threshold).toBe(0);
    expect(result.unit).toBe('count');
    expect(result.subjects).toEqual([
      {
        ref: 'ai-app:chatgpt',
        label: 'ChatGPT (OpenAI)',
        instance: 'm365-main',
        status: 'fail',
        why:
          'ChatGPT (OpenAI) was granted Mail.Read, Files.Read.All (+2 sign-in scopes) by 3 users (ann@contoso.com, bob@contoso.com, carl@contoso.com) without approval; ' +
          'severity high: reaches mail, files; recognised because verified publisher "OpenAI" is listed for ChatGPT',
        severity: 'high',
      },
    ]);
    expect(result.summary).toBe('1 unapproved AI app with grants (ChatGPT)');
    expect(result.controls).toEqual(['ISO27001:2022/A.5.19', 'ISO27001:2022/A.5.23', 'ISO27001:2022/A.5.10', 'ISO27001:2022/A.8.12', 'SOC2/CC9.2', 'CISv8/2.3']);
  });

  it('rates admin consent worse than one user consenting to the same scopes', () => {
    const signIn = ['openid', 'profile', 'email', 'offline_access', 'User.Read'];
    const one = run([claude, consent(claude, ann, signIn)]);
    expect(one.subjects[0]?.severity).toBe('low');
    expect(one.subjects[0]?.why).toMatch(/^Claude \(Anthropic\) was granted sign-in scopes only \(openid, profile, email, offline_access, User\.Read\) by 1 user \(ann@contoso\.com\) without approval; severity low: sign-in only; Claude typically asks for mail, files, calendar/);
    const all = run([claude, adminConsent(claude, signIn)]);
    expect(all.status).toBe('fail');
    expect(all.subjects[0]?.severity).toBe('medium');
    expect(all.subjects[0]?.why).toMatch(
      /^Claude \(Anthropic\) was granted sign-in scopes only \(.*\) by admin consent for every user \(tenant-wide, worse than one user's consent\) without approval; severity medium: sign-in only \(low on its own, raised for tenant-wide consent\)/,
    );
  });

  it('reports app-only grants as reaching every user, and combines them with user consents', () => {
    const result = run([chatgpt, appOnly(chatgpt, ['Mail.Read']), consent(chatgpt, dan, ['User.Read', 'Contacts.Read'])]);
    expect(result.subjects[0]?.severity).toBe('high');
    expect(result.subjects[0]?.why).toMatch(
      /^ChatGPT \(OpenAI\) was granted app-only permissions Mail\.Read \(no signed-in user needed: reaches every user's data, worse than one user's consent\) and Contacts\.Read \(\+1 sign-in scope\) by 1 user \(dan@contoso\.com\) without approval; severity high: reaches mail, contacts/,
    );
  });

  it('recognises a Google token by its display text ("Otter.ai") and names the user', () => {
    const token = createGoogleToken({ clientId: '1066-otter.apps.googleusercontent.com', displayText: 'Otter.ai', userId: gAnn.key, scopes: ['https://www.googleapis.com/auth/calendar.readonly', 'openid'] });
    const result = run([gAnn, token]);
    expect(result.status).toBe('fail');
    expect(result.subjects).toEqual([
      {
        ref: 'ai-app:otter',
        label: 'Otter.ai',
        instance: 'gws-main',
        status: 'fail',
        why: 'Otter.ai was granted calendar.readonly (+1 sign-in scope) by 1 user (ann@contoso.com) without approval; severity high: reaches calendar; recognised because display name "Otter.ai" is listed for Otter.ai',
        severity: 'high',
      },
    ]);
  });

  it('counts an app granted in Microsoft 365 and Google Workspace once, listing it per instance', () => {
    const token = createGoogleToken({ clientId: '1066-gpt.apps.googleusercontent.com', displayText: 'ChatGPT', userId: gAnn.key, scopes: ['https://www.googleapis.com/auth/drive.readonly'] });
    const result = run([chatgpt, consent(chatgpt, ann), gAnn, token]);
    expect(result.measured).toBe(1);
    expect(result.subjects.map((s) => [s.ref, s.instance])).toEqual([['ai-app:chatgpt', 'gws-main'], ['ai-app:chatgpt', 'm365-main']]);
    expect(result.breakdown.map((b) => [b.scope, b.status, b.measured])).toEqual([['overall', 'fail', 1], ['gws-main', 'fail', 1], ['m365-main', 'fail', 1]]);
  });

  it('passes an approved AI app, by catalog id or by a display name the catalog recognises', () => {
    const entities = [chatgpt, consent(chatgpt, ann)];
    for (const app of ['chatgpt', 'ChatGPT', 'chatgpt enterprise']) {
      const result = run(entities, { approvedApps: [approval({ app })] });
      expect([app, result.status, result.measured, result.subjects]).toEqual([app, 'pass', 0, []]);
      expect(result.summary).toBe('no unapproved AI app holds a grant; 1 approved AI app in use (ChatGPT)');
    }
  });

  it('fails an approved AI app without a named owner, even with no grants in this run', () => {
    const result = run([chatgpt, consent(chatgpt, ann)], { approvedApps: [approval({ owner: undefined }), approval({ app: 'Fireflies.ai', owner: undefined })] });
    expect(result.status).toBe('fail');
    expect(result.measured).toBe(0);
    expect(result.subjects.map((s) => [s.label, s.instance, s.severity, s.why])).toEqual([
      ['ChatGPT (OpenAI)', 'approved-apps', 'medium', 'approved without a named owner (add `owner` to approvedApps[0])'],
      ['Fireflies.ai', 'approved-apps', 'medium', 'approved without a named owner (add `owner` to approvedApps[1])'],
    ]);
    expect(result.breakdown.at(-1)).toEqual({ scope: 'approved-apps', status: 'fail', measured: 2, summary: '2 approved AI apps checked; 2 without a named owner' });
  });

  it('fails an approval whose review date has passed, from the day after it', () => {
    const overdue = run([chatgpt, consent(chatgpt, ann)], { approvedApps: [approval({ reviewDate: '2025-01-31' })] });
    expect(overdue.status).toBe('fail');
    expect(overdue.subjects[0]?.why).toBe('review overdue since 2025-01-31 (29 days; approved by ciso@contoso.com)');
    expect(overdue.subjects[0]?.severity).toBe('low');
    expect(run([chatgpt, consent(chatgpt, ann)], { approvedApps: [approval({ reviewDate: '2025-03-01' })] }).status).toBe('pass');
  });

  it('excludes first-party Microsoft Copilot as not shadow AI, unless policy says to judge it', () => {
    const entities = [copilot, consent(copilot, ann, ['User.Read', 'Mail.Read'])];
    const result = run(entities);
    expect(result.status).toBe('pass');
    expect(result.subjects).toEqual([
      {
        ref: 'ai-app:microsoft-copilot',
        label: 'Microsoft 365 Copilot (Microsoft)',
        instance: 'm365-main',
        status: 'excluded',
        why: `first-party Microsoft app (owner tenant ${MICROSOFT}): Microsoft 365 Copilot is not shadow AI under the default policy (firstPartyAi: exclude); granted Mail.Read (+1 sign-in scope) by 1 user (ann@contoso.com)`,
      },
    ]);
    expect(result.summary).toBe('no unapproved AI app holds a grant; 1 first-party AI app excluded (Microsoft 365 Copilot)');
    expect(run(entities, { firstPartyAi: 'judge' }).status).toBe('fail');
  });

  it('does not trust a look-alike Copilot name without a Microsoft owner tenant', () => {
    const fake = createApp({ key: 'sp-fake', displayName: 'Microsoft 365 Copilot', ownerTenantId: '0badbad0-0000-0000-0000-000000000000' });
    const result = run([fake, consent(fake, ann, ['Mail.Read'])]);
    expect(result.status).toBe('fail');
    expect(result.subjects[0]?.why).toContain("named like Microsoft's own Microsoft 365 Copilot, but Entra does not show a Microsoft owner tenant, so it is judged as a third-party app");
    const gemini = run([gAnn, createGoogleToken({ clientId: 'g-1', displayText: 'Gemini', userId: gAnn.key })]);
    expect(gemini.subjects[0]?.why).toContain("Google tokens do not say who owns a client, so this cannot be confirmed as Google's own Gemini; approve it in approvedApps if it is");
  });

  it('inventories third-party apps outside the catalog as unreviewed, and counts first-party platform apps', () => {
    const graphCli = createApp({ key: 'sp-graph-cli', displayName: 'Microsoft Graph Command Line Tools', ownerTenantId: MICROSOFT, firstParty: true });
    const lookAlike = createApp({ key: 'sp-not', displayName: 'Not GPT', homepage: 'https://notchatgpt.com' });
    const result = run([zoom, adminConsent(zoom, ['User.Read', 'offline_access', 'Calendars.ReadWrite']), graphCli, consent(graphCli, ann, ['Directory.Read.All']), lookAlike, consent(lookAlike, bob, ['User.Read'])]);
    expect(result.status).toBe('pass');
    expect(result.measured).toBe(0);
    expect(result.subjects).toEqual([
      { ref: 'sp-not', label: 'Not GPT', instance: 'm365-main', status: 'excluded', why: 'third-party or in-house app, not in the AI catalog: unreviewed; granted sign-in scopes only (User.Read) by 1 user (bob@contoso.com); severity low: sign-in only', severity: 'low' },
      {
        ref: 'sp-zoom',
        label: 'Zoom',
        instance: 'm365-main',
        status: 'excluded',
        why: "third-party or in-house app, not in the AI catalog: unreviewed; granted Calendars.ReadWrite (+2 sign-in scopes) by admin consent for every user (tenant-wide, worse than one user's consent); severity high: reaches calendar",
        severity: 'high',
      },
    ]);
    expect(result.summary).toBe('no unapproved AI app holds a grant; 2 third-party apps outside the AI catalog listed as unreviewed; 1 first-party platform app not judged');
    const approved = run([zoom, adminConsent(zoom, ['User.Read'])], { approvedApps: [approval({ app: 'Zoom' })] });
    expect(approved.subjects).toEqual([]);
    expect(approved.summary).toBe('no unapproved AI app holds a grant; 1 approved third-party app');
  });

  it('lists a Google token without a name by its client id', () => {
    const result = run([gAnn, createGoogleToken({ clientId: '42-script.apps.googleusercontent.com', displayText: '', userId: gAnn.key, scopes: ['https://www.googleapis.com/auth/spreadsheets'] })]);
    expect(result.subjects[0]).toMatchObject({ label: 'OAuth client 42-script.apps.googleusercontent.com', status: 'excluded' });
    expect(result.subjects[0]?.why).toMatch(/^unregistered OAuth client \(Google shows no name\), not in the AI catalog: unreviewed; granted spreadsheets by 1 user/);
  });

  it('is not evaluable when the grant stream failed (the engine decides, never pass)', () => {
    const snapshot = createSnapshot({
      entities: [...users, chatgpt],
      outcomes: [
        createOutcome({ entity: 'account' }),
        createOutcome({ entity: 'app' }),
        createOutcome({ entity: 'app_grant', status: 'failed', failures: [{ kind: 'denied', detail: 'oauth2PermissionGrants returned 403', needs: 'Directory.Read.All' }] }),
      ],
    });
    const result = evaluateRule(shadowAi, snapshot);
    expect(result.status).toBe('not_evaluable');
    expect(result.reasons).toEqual(['m365-main/app_grant is failed: denied: oauth2PermissionGrants returned 403 (needs Directory.Read.All)']);
  });

  it('cannot name Entra grants whose app stream failed, but still judges Google tokens', () => {
    const outcomes = [
      createOutcome({ entity: 'account' }),
      createOutcome({ entity: 'app', status: 'failed', failures: [{ kind: 'denied', detail: 'servicePrincipals returned 403', needs: 'Application.Read.All' }] }),
      createOutcome({ entity: 'app_grant', records: 1 }),
      createOutcome({ connector: 'google-workspace', instance: 'gws-main', entity: 'app_grant', records: 1 }),
    ];
    const grant = consent(chatgpt, ann);
    const unnamed = evaluateRule(shadowAi, createSnapshot({ entities: [...users, grant], outcomes }));
    expect(unnamed.status).toBe('not_evaluable');
    expect(unnamed.measured).toBeNull();
    expect(unnamed.subjects).toEqual([
      {
        ref: 'unnamed-apps',
        label: '1 grant to apps that could not be named',
        instance: 'm365-main',
        status: 'not_evaluable',
        why: 'cannot tell whether these are AI apps: m365-main/app is failed: denied: servicePrincipals returned 403 (needs Application.Read.All)',
      },
    ]);
    const token = createGoogleToken({ clientId: 'x', displayText: 'Perplexity', userId: gAnn.key });
    const mixed = evaluateRule(shadowAi, createSnapshot({ entities: [...users, grant, gAnn, token], outcomes }));
    expect(mixed.status).toBe('fail');
    expect(mixed.subjects.map((s) => [s.status, s.label])).toEqual([['fail', 'Perplexity (Perplexity AI)'], ['not_evaluable', '1 grant to apps that could not be named']]);
  });

  it('gives the same result whatever order the store returns entities in', () => {
    const entities: Entity[] = [chatgpt, claude, zoom, copilot, consent(chatgpt, carl), consent(chatgpt, ann), adminConsent(zoom, ['User.Read']), consent(claude, bob, ['Files.Read']), consent(copilot, dan, ['Mail.Read'])];
    const first = run(entities, { approvedApps: [approval({ app: 'claude', owner: undefined })] });
    const second = run([...entities].reverse(), { approvedApps: [approval({ app: 'claude', owner: undefined })] });
    expect(second).toEqual(first);
  });

  it('records the catalog it judged with in the params, and takes extra apps from config without code', () => {
    const inHouse = createApp({ key: 'sp-acme', displayName: 'Acme Assistant', homepage: 'https://assistant.acme.example' });
    const extraApps = [{ id: 'acme-assistant', name: 'Acme Assistant', vendor: 'Acme', category: 'assistant', match: { domains: ['acme.example'] } }];
    const result = run([inHouse, consent(inHouse, ann, ['Mail.Read'])], { extraApps });
    expect(result.subjects[0]).toMatchObject({ ref: 'ai-app:acme-assistant', status: 'fail' });
    expect((result.params['catalog'] as unknown[]).length).toBe(DEFAULT_AI_CATALOG.length);
    expect(() => run([], { extraApps: [{ ...extraApps[0], match: { domains: ['https://acme.example'] } }] })).toThrow(ConfigError);
    expect(() => run([], { extraApps: [{ ...extraApps[0], match: { displayNames: ['ChatGPT'] }, examples: ['ChatGPT'] }] })).toThrow(/extraApps: merged over the catalog, entry .*"ChatGPT" is recognised as "chatgpt"/);
  });

  it('notes when an unapproved AI app is disabled in the tenant', () => {
    const off = { ...chatgpt, enabled: false };
    expect(run([off, consent(off, ann)]).subjects[0]?.why).toContain('the app is disabled in m365-main, so the grants cannot be used until it is re-enabled; remove them');
  });

  it('lets an exception accept an unapproved app without approving it: the status clears, the count stays', () => {
    const view = buildSnapshotView(createSnapshot({ entities: [...users, chatgpt, consent(chatgpt, ann)], streams: ['account', 'app', 'app_grant'] }));
    const exceptions = [{ rule: 'shadow-ai', subject: 'ai-app:chatgpt', reason: 'pilot until the DPA is signed', approvedBy: 'ciso@contoso.com', expires: '2025-06-30' }];
    const [result] = evaluateRules(view, [shadowAi], { exceptions }).results;
    expect(result?.status).toBe('pass');
    expect(result?.measured).toBe(1);
    expect(result?.subjects[0]).toMatchObject({ ref: 'ai-app:chatgpt', status: 'excepted' });
  });
});
