import type { App, AppGrant } from '../../src/core/model.ts';
import type { AiAppEntry, AiCatalog } from './catalog-schema.ts';

/**
 * Recognising AI apps from what the connectors collect. Pure: no I/O, no clock.
 *
 * Signals, strongest first (the first signal that hits decides, so a verified publisher beats a
 * look-alike name): an Entra appId, a Google client id, the owner tenant, the verified publisher, an
 * exact display name, a display-name pattern, a homepage/reply-URL domain. Within one signal the
 * earlier catalog entry wins; the catalog test checks no two entries claim the same thing.
 */

export const MATCHED_BY = ['appId', 'googleClientId', 'ownerTenantId', 'publisher', 'displayName', 'displayNamePattern', 'domain'] as const;
export type MatchedBy = (typeof MATCHED_BY)[number];

export interface AiAppMatchResult {
  entry: AiAppEntry;
  matchedBy: MatchedBy;
  /** Why, in words: `verified publisher "OpenAI, L.L.C." is listed for ChatGPT`. */
  detail: string;
}

/** What an app looks like to the matcher; derived from an `app` entity, a grant, or just a name. */
export interface AppFacts {
  displayName: string | null;
  appId: string | null;
  googleClientId: string | null;
  ownerTenantId: string | null;
  publisher: string | null;
  /** Homepage and reply-URL hosts, lower-case. */
  hosts: readonly string[];
}

/** The Google connector keys a token's app as `oauth-client:<clientId>` (connectors/google-workspace/map-tokens.ts). */
export const GOOGLE_CLIENT_PREFIX = 'oauth-client:';

export function factsOf({ app, grant, displayName }: { app?: App; grant?: AppGrant; displayName?: string }): AppFacts {
  const clientId = grant?.appKey.startsWith(GOOGLE_CLIENT_PREFIX) ? grant.appKey.slice(GOOGLE_CLIENT_PREFIX.length) : null;
  const urls = app ? [app.homepage, ...app.replyUrls].filter((u): u is string => u !== null) : [];
  return {
    displayName: nonEmpty(displayName ?? app?.displayName ?? grant?.appDisplayName ?? null),
    appId: app?.appId ?? null,
    googleClientId: clientId,
    ownerTenantId: app?.ownerTenantId ?? null,
    publisher: nonEmpty(app?.publisher?.name ?? null),
    hosts: [...new Set(urls.map(hostOf).filter((h): h is string => h !== null))],
  };
}

export interface AiAppMatcher {
  /** The best match, or null when nothing in the catalog recognises the app. */
  match(input: { app?: App; grant?: AppGrant; displayName?: string }): AiAppMatchResult | null;
  matchFacts(facts: AppFacts): AiAppMatchResult | null;
  /** Every entry any signal recognises (for catalog tests: a synthetic app should hit exactly one). */
  matchAll(facts: AppFacts): AiAppMatchResult[];
}

export function createAiAppMatcher(catalog: AiCatalog): AiAppMatcher {
  const compiled = catalog.map(compile);
  const hitsOf = (facts: AppFacts): AiAppMatchResult[] => {
    const hits: AiAppMatchResult[] = [];
    for (const by of MATCHED_BY) for (const c of compiled) {
      const detail = c.test[by](facts);
      if (detail !== null) hits.push({ entry: c.entry, matchedBy: by, detail });
    }
    return hits;
  };
  const matchFacts = (facts: AppFacts) => hitsOf(facts)[0] ?? null;
  return {
    match: (input) => matchFacts(factsOf(input)),
    matchFacts,
    matchAll(facts) {
      const seen = new Set<string>();
      return hitsOf(facts).filter((h) => !seen.has(h.entry.id) && (seen.add(h.entry.id), true));
    },
  };
}

/** One-off convenience; build a matcher once with `createAiAppMatcher` when matching many apps. */
export function matchApp(catalog: AiCatalog, input: { app?: App; grant?: AppGrant; displayName?: string }): AiAppMatchResult | null {
  return createAiAppMatcher(catalog).match(input);
}

type Test = (facts: AppFacts) => string | null;

function compile(entry: AiAppEntry): { entry: AiAppEntry; test: Record<MatchedBy, Test> } {
  const m = entry.match;
  const lower = (xs: readonly string[]) => new Set(xs.map((x) => x.toLowerCase()));
  const appIds = lower(m.appIds);
  const clientIds = lower(m.googleClientIds);
  const tenants = lower(m.ownerTenantIds);
  const publishers = new Set(m.publishers.map(normalisePublisher));
  const names = lower(m.displayNames.map((n) => n.trim()));
  const patterns = m.displayNamePatterns.map((p) => ({ source: p, re: new RegExp(p, 'iu') }));
  const who = entry.name;
  return {
    entry,
    test: {
      appId: (f) => (f.appId && appIds.has(f.appId.toLowerCase()) ? `Entra appId ${f.appId} is listed for ${who}` : null),
      googleClientId: (f) => (f.googleClientId && clientIds.has(f.googleClientId.toLowerCase()) ? `Google client id ${f.googleClientId} is listed for ${who}` : null),
      ownerTenantId: (f) => (f.ownerTenantId && tenants.has(f.ownerTenantId.toLowerCase()) ? `owner tenant ${f.ownerTenantId} is listed for ${who}` : null),
      publisher: (f) => (f.publisher && publishers.has(normalisePublisher(f.publisher)) ? `verified publisher "${f.publisher}" is listed for ${who}` : null),
      displayName: (f) => (f.displayName && names.has(f.displayName.trim().toLowerCase()) ? `display name "${f.displayName}" is listed for ${who}` : null),
      displayNamePattern: (f) => {
        const name = f.displayName?.trim();
        const hit = name ? patterns.find((p) => p.re.test(name)) : undefined;
        return hit ? `display name "${name}" matches ${hit.source} (${who})` : null;
      },
      domain: (f) => {
        for (const h of f.hosts) {
          const d = m.domains.find((d) => hostUnder(h, d));
          if (d) return h === d ? `homepage/reply-URL host ${h} is listed for ${who}` : `homepage/reply-URL host ${h} is under ${d}, listed for ${who}`;
        }
        return null;
      },
    },
  };
}

/** `auth.chatgpt.com` is under `chatgpt.com`; `notchatgpt.com` and `chatgpt.com.evil.example` are not. */
export function hostUnder(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** The lower-case host of a URL (a bare `chatgpt.com/x` is read as https); null when there is none. */
export function hostOf(url: string): string | null {
  const text = url.trim();
  if (text === '') return null;
  try {
    const host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`).hostname.toLowerCase().replace(/\.$/, '');
    return host === '' ? null : host;
  } catch {
    return null;
  }
}

const LEGAL_FORMS = new Set(['inc', 'incorporated', 'llc', 'l l c', 'ltd', 'limited', 'pbc', 'corp', 'corporation', 'co', 'gmbh', 'ag', 'se', 'sa', 'sas', 'bv', 'ab', 'oy', 'plc', 'pty', 'llp', 'lp']);

/**
 * `OpenAI, L.L.C.` → `openai`; `Otter.ai, Inc.` → `otter ai`. Verified-publisher names carry the
 * legal entity, the catalog names the company: compare without punctuation and trailing legal forms.
 */
export function normalisePublisher(name: string): string {
  let words = name.toLowerCase().replace(/l\.l\.c\./g, 'llc').split(/[^a-z0-9]+/).filter((w) => w !== '');
  while (words.length > 1 && LEGAL_FORMS.has(words[words.length - 1]!)) words = words.slice(0, -1);
  return words.join(' ');
}

function nonEmpty(s: string | null): string | null {
  return s !== null && s.trim() !== '' ? s : null;
}
