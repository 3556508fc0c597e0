import { z } from 'zod';

/**
 * The shape of an AI app catalog file (`config/ai-apps.yaml`, and any extra file merged over it).
 * Kept as data so a person can add an app without code; every entry says how to recognise the app
 * and what it can typically reach once granted.
 *
 * No public source lists the Entra appIds or Google OAuth client ids of third-party AI apps
 * (reference/connector-apis.md), so the built-in entries match on names, verified publishers and
 * homepage/reply-URL domains; `appIds` and `googleClientIds` exist for ids an organisation has
 * observed itself. Never invent them.
 */

/** What an app can reach once granted; also the words the rule uses for a scope's reach. */
export const REACH = ['mail', 'files', 'calendar', 'chat', 'meetings', 'contacts', 'code', 'directory'] as const;
export const reach = z.enum(REACH);
export type Reach = z.infer<typeof reach>;

export const CATEGORIES = [
  'assistant',
  'meeting-notes',
  'writing',
  'translation',
  'coding',
  'search',
  'media',
  'presentation',
  'productivity',
  'agents',
  'legal',
  'platform',
  'other',
] as const;

/** The platform vendors whose own (first-party) apps may be excluded from shadow AI. */
export const FIRST_PARTY_VENDORS = ['microsoft', 'google'] as const;

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lower-case letters, digits and dashes, like "chatgpt"');

/** A host name (`chatgpt.com`), not a URL: it matches that host and its subdomains on a dot boundary. */
const host = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/, 'expected a lower-case host name like "chatgpt.com" (no scheme, path or wildcard)');

/**
 * An anchored regular expression over the display name, applied case-insensitively. Anchoring is
 * required so `^ChatGPT( .*)?$` cannot also catch "NotChatGPT" by accident.
 */
const pattern = z
  .string()
  .min(2)
  .superRefine((p, ctx) => {
    if (!p.startsWith('^') || !p.endsWith('$')) {
      ctx.addIssue({ code: 'custom', message: `pattern "${p}" must be anchored: start with ^ and end with $` });
      return;
    }
    try {
      new RegExp(p, 'iu');
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `pattern "${p}" is not a valid regular expression (${(e as Error).message})` });
    }
  });

/** Each list is an independent signal: any one hit recognises the app (strongest first, see match-app.ts). */
export const aiAppMatch = z
  .object({
    /** Entra application (client) ids seen in your own tenant. Empty in the built-in catalog. */
    appIds: z.array(z.string().min(1)).default([]),
    /** Google OAuth client ids (`…apps.googleusercontent.com`) seen in your own domain. Empty in the built-in catalog. */
    googleClientIds: z.array(z.string().min(1)).default([]),
    /** Tenants that own the vendor's Entra apps; only for vendors whose tenant holds nothing but this app. */
    ownerTenantIds: z.array(z.string().min(1)).default([]),
    /** Entra verified-publisher names; compared case-insensitively, ignoring punctuation and legal forms (Inc., LLC, PBC…). */
    publishers: z.array(z.string().min(1)).default([]),
    /** Exact display names (Entra service principal name, Google token display text), case-insensitive. */
    displayNames: z.array(z.string().min(1)).default([]),
    /** Anchored regular expressions over the display name, case-insensitive. */
    displayNamePatterns: z.array(pattern).default([]),
    /** Homepage and reply-URL hosts: `chatgpt.com` matches `auth.chatgpt.com`, never `notchatgpt.com`. */
    domains: z.array(host).default([]),
  })
  .strict();
export type AiAppMatch = z.infer<typeof aiAppMatch>;

export const aiAppEntry = z
  .object({
    id: slug,
    name: z.string().min(1),
    vendor: z.string().min(1),
    category: z.enum(CATEGORIES),
    /** What it can typically reach when granted (from its usual consent requests). */
    reach: z.array(reach).default([]),
    /** Set when the platform vendor ships it as its own app (Microsoft 365 Copilot, Gemini). */
    firstPartyOf: z.enum(FIRST_PARTY_VENDORS).optional(),
    match: aiAppMatch,
    /** Display names seen in the wild that must be recognised as this app; checked when the catalog loads. */
    examples: z.array(z.string().min(1)).default([]),
    /** Why the entry matches the way it does, for the next person editing it. */
    notes: z.string().optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const m = e.match;
    const signals = m.appIds.length + m.googleClientIds.length + m.ownerTenantIds.length + m.publishers.length + m.displayNames.length + m.displayNamePatterns.length + m.domains.length;
    if (signals === 0) ctx.addIssue({ code: 'custom', path: ['match'], message: 'needs at least one way to recognise the app (displayNames, displayNamePatterns, publishers, domains, …)' });
  }, { when: (payload) => payload.issues.length === 0 });
export type AiAppEntry = z.infer<typeof aiAppEntry>;

/** The file: `apps:` (a bare list is accepted too, for small extra files). */
export const aiCatalogFile = z.union([
  z.object({ version: z.literal(1).default(1), apps: z.array(z.unknown()) }).strict(),
  z.array(z.unknown()),
]);

export type AiCatalog = readonly AiAppEntry[];
