import { describe, expect, it } from 'vitest';
import { AI_APPS, APP_PRODUCTS, APP_VENDORS, FIRST_PARTY_APPS, OWN_APPS, THIRD_PARTY_APPS } from '../../fixtures/m365/graph-catalog.ts';
import { APP_SPECS } from '../../fixtures/google-workspace/google-catalog.ts';
import { createApp, createGoogleToken } from './app-factories.ts';
import { aiAppEntry } from './catalog-schema.ts';
import type { AiAppEntry } from './catalog-schema.ts';
import { DEFAULT_AI_CATALOG } from './default-catalog.ts';
import { createAiAppMatcher, factsOf, hostOf, hostUnder, normalisePublisher } from './match-app.ts';
import type { AppFacts } from './match-app.ts';

const matcher = createAiAppMatcher(DEFAULT_AI_CATALOG);
const NEUTRAL = 'Synthetic Test App';
const facts = (f: Partial<AppFacts>): AppFacts => ({ displayName: NEUTRAL, appId: null, googleClientId: null, ownerTenantId: null, publisher: null, hosts: [], ...f });
const ids = (f: AppFacts) => matcher.matchAll(f).map((h) => h.entry.id);

describe('the built-in AI app catalog', () => {
  it('holds over 40 apps', () => {
    expect(DEFAULT_AI_CATALOG.length).toBeGreaterThan(40);
    expect(ids(facts({}))).toEqual([]);
  });

  // One synthetic app per match signal of every entry, built from the entry's own data: it must be
  // recognised as that entry and as no other, so no two entries can claim the same app.
  describe.each(DEFAULT_AI_CATALOG.map((e) => [e.id, e] as const))('%s', (_id, entry) => {
    const m = entry.match;
    it.each([...m.displayNames, ...entry.examples])('is recognised by the display name "%s" alone', (name) => {
      expect(ids(facts({ displayName: name }))).toEqual([entry.id]);
      expect(ids(facts({ displayName: name.toUpperCase() }))).toEqual([entry.id]);
    });
    it.each(m.displayNamePatterns)('pattern %s is exercised by a listed name, and rejects names merely containing it', (pattern) => {
      const re = new RegExp(pattern, 'iu');
      expect([...m.displayNames, ...entry.examples].some((n) => re.test(n))).toBe(true);
      expect(re.test(`Not${entry.name}`)).toBe(false);
      expect(re.test(`My ${entry.name}`)).toBe(false);
    });
    it.each(m.publishers)('is recognised by the verified publisher "%s" alone, with or without a legal form', (publisher) => {
      expect(ids(facts({ publisher }))).toEqual([entry.id]);
      expect(ids(facts({ publisher: `${publisher}, Inc.` }))).toEqual([entry.id]);
    });
    it.each(m.domains)('is recognised by the host %s and its subdomains, not by look-alike hosts', (domain) => {
      expect(ids(facts({ hosts: [domain] }))).toEqual([entry.id]);
      expect(ids(facts({ hosts: [`auth.${domain}`] }))).toEqual([entry.id]);
      expect(ids(facts({ hosts: [`not${domain}`] }))).not.toContain(entry.id);
      expect(ids(facts({ hosts: [`${domain}.evil.example`] }))).not.toContain(entry.id);
    });
    it.each([...m.appIds.map((v) => ['appId', v]), ...m.googleClientIds.map((v) => ['googleClientId', v]), ...m.ownerTenantIds.map((v) => ['ownerTenantId', v])])(
      'is recognised by its %s %s alone',
      (key, value) => {
        expect(ids(facts({ [key]: value }))).toEqual([entry.id]);
      },
    );
    it('has at least one signal and a catalog-wide unique name', () => {
      expect(DEFAULT_AI_CATALOG.filter((e) => e.name.toLowerCase() === entry.name.toLowerCase())).toHaveLength(1);
    });
  });
});

describe('matching', () => {
  const ai = (id: string, extra: Partial<AiAppEntry['match']> = {}) =>
    aiAppEntry.parse({ id, name: id, vendor: id, category: 'assistant', match: { displayNames: [id], ...extra } });

  it('matches ids, owner tenants and Google client ids when an organisation lists them', () => {
    const catalog = [ai('acme-gpt', { appIds: ['11111111-2222-3333-4444-555555555555'], ownerTenantIds: ['aaaaaaaa-0000-0000-0000-000000000000'], googleClientIds: ['123-abc.apps.googleusercontent.com'] })];
    const m = createAiAppMatcher(catalog);
    expect(m.match({ app: createApp({ appId: '11111111-2222-3333-4444-555555555555' }) })).toMatchObject({ matchedBy: 'appId' });
    expect(m.match({ app: createApp({ ownerTenantId: 'AAAAAAAA-0000-0000-0000-000000000000' }) })).toMatchObject({ matchedBy: 'ownerTenantId' });
    expect(m.match({ grant: createGoogleToken({ clientId: '123-abc.apps.googleusercontent.com', displayText: 'Something else' }) })).toMatchObject({ matchedBy: 'googleClientId' });
  });

  it('lets the strongest signal decide: a verified publisher beats a look-alike name', () => {
    const hit = matcher.match({ app: createApp({ displayName: 'ChatGPT', publisher: { name: 'Anthropic, PBC', verifiedId: '1' } }) });
    expect(hit).toMatchObject({ entry: { id: 'claude' }, matchedBy: 'publisher', detail: 'verified publisher "Anthropic, PBC" is listed for Claude' });
  });

  it('explains a domain match by the host it saw', () => {
    const hit = matcher.match({ app: createApp({ displayName: 'Acme helper', replyUrls: ['https://auth.chatgpt.com/callback'] }) });
    expect(hit).toMatchObject({ entry: { id: 'chatgpt' }, matchedBy: 'domain', detail: 'homepage/reply-URL host auth.chatgpt.com is under chatgpt.com, listed for ChatGPT' });
  });

  it('does not match notchatgpt.com, chatgpt.com.evil.example or a name that only contains ChatGPT', () => {
    for (const url of ['https://notchatgpt.com/cb', 'https://chatgpt.com.evil.example/cb', 'https://evil.example/chatgpt.com']) {
      expect(matcher.match({ app: createApp({ homepage: url }) })).toBeNull();
    }
    expect(matcher.match({ displayName: 'NotChatGPT' })).toBeNull();
    expect(matcher.match({ displayName: 'Team ChatGPT helper' })).toBeNull();
  });

  it('names Google tokens by their display text and keeps the client id', () => {
    const grant = createGoogleToken({ clientId: '999-x.apps.googleusercontent.com', displayText: 'Otter.ai' });
    expect(factsOf({ grant })).toMatchObject({ displayName: 'Otter.ai', googleClientId: '999-x.apps.googleusercontent.com' });
    expect(matcher.match({ grant })).toMatchObject({ entry: { id: 'otter' }, matchedBy: 'displayName' });
    expect(matcher.match({ grant: createGoogleToken({ clientId: '1-y', displayText: '' }) })).toBeNull();
  });

  it('keeps Zoom, GitHub and Microsoft apps apart from their AI features', () => {
    expect(matcher.match({ displayName: 'Zoom' })).toBeNull();
    expect(matcher.match({ displayName: 'Zoom AI Companion' })?.entry.id).toBe('zoom-ai-companion');
    expect(matcher.match({ displayName: 'GitHub Copilot' })?.entry.id).toBe('github-copilot');
    expect(matcher.match({ displayName: 'GitHub Enterprise Cloud' })).toBeNull();
    expect(matcher.match({ displayName: 'Microsoft Teams' })).toBeNull();
    expect(matcher.match({ displayName: 'Fathom Analytics' })).toBeNull();
    expect(matcher.match({ displayName: 'DeepLearning Portal' })).toBeNull();
  });
});

describe('helpers', () => {
  it.each([
    ['OpenAI, L.L.C.', 'openai'],
    ['Anthropic, PBC', 'anthropic'],
    ['Otter.ai, Inc.', 'otter ai'],
    ['Glean Technologies Inc', 'glean technologies'],
    ['Inc', 'inc'],
  ])('normalises the publisher %s to %s', (name, expected) => {
    expect(normalisePublisher(name)).toBe(expected);
  });

  it.each([
    ['https://Auth.ChatGPT.com/cb', 'auth.chatgpt.com'],
    ['chatgpt.com/path', 'chatgpt.com'],
    ['https://chatgpt.com./', 'chatgpt.com'],
    ['http://localhost', 'localhost'],
    ['urn:ietf:wg:oauth:2.0:oob', null],
    ['', null],
  ])('reads the host of %s as %s', (url, host) => {
    expect(hostOf(url)).toBe(host);
  });

  it('matches domains on a dot boundary only', () => {
    expect(hostUnder('chatgpt.com', 'chatgpt.com')).toBe(true);
    expect(hostUnder('a.b.chatgpt.com', 'chatgpt.com')).toBe(true);
    expect(hostUnder('notchatgpt.com', 'chatgpt.com')).toBe(false);
  });
});

describe('the demo tenants', () => {
  // What the simulated tenants contain (fixtures/) is what the demo shows: these are the expected calls.
  it('recognises the Microsoft 365 AI apps and Copilot, and no business or own app', () => {
    const expected: Record<string, string | null> = { chatgpt: 'chatgpt', otter: 'otter', claude: 'claude', copilot: 'microsoft-copilot' };
    for (const spec of [...FIRST_PARTY_APPS, ...THIRD_PARTY_APPS, ...AI_APPS, ...OWN_APPS]) {
      const app = createApp({ displayName: spec.displayName, homepage: spec.homepage, replyUrls: spec.replyUrls, publisher: spec.publisher ? { name: spec.publisher.displayName, verifiedId: spec.publisher.verifiedPublisherId } : null });
      expect([spec.key, matcher.match({ app })?.entry.id ?? null]).toEqual([spec.key, expected[spec.key] ?? null]);
    }
  });

  it('recognises none of the invented extra apps of larger tenants', () => {
    for (const v of APP_VENDORS) for (const p of APP_PRODUCTS) {
      const slug = `${v} ${p}`.toLowerCase().replace(/[^a-z0-9]+/g, '-');
      expect(matcher.match({ app: createApp({ displayName: `${v} ${p}`, homepage: `https://${slug}.example`, publisher: { name: `${v} Inc.`, verifiedId: '1' } }) })).toBeNull();
    }
  });

  it('recognises the Google Workspace AI tokens by display text, and no business or native app', () => {
    const expected: Record<string, string> = { chatgpt: 'chatgpt', otter: 'otter', claudeForSheets: 'claude', fireflies: 'fireflies', perplexity: 'perplexity' };
    for (const [key, spec] of Object.entries(APP_SPECS)) {
      const grant = createGoogleToken({ clientId: `${key}.apps.googleusercontent.com`, displayText: spec.displayText });
      expect([key, matcher.match({ grant })?.entry.id ?? null]).toEqual([key, expected[key] ?? null]);
    }
  });
});
