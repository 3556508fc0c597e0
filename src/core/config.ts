import { z } from 'zod';
import { ConfigError } from './errors.ts';

/**
 * The config's core sections (organisations, connectors blocks, store, HTTP, rule parameters) and
 * the one-line error for a zod issue. The whole file's schema, with the sections of alerts, the
 * daemon and export, is put together in src/config/agent-config.ts, so core depends on no feature.
 * Connector blocks are checked again by their connector's own schema (see `resolveConnectors`).
 */

const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, starting with a letter or digit');

export const connectorBlock = z
  .object({
    /** Which connector: `m365`, later `google-workspace`, `aws-iam`, … */
    type: z.string().min(1),
    /** This instance's id, unique within the organisation; stored with all its evidence. */
    id: slug,
  })
  .loose();
export type ConnectorBlock = z.infer<typeof connectorBlock>;

/** Lists of accounts (by username/UPN/email, case-insensitive) the rules treat as a class. */
export const accountLists = z
  .object({
    /** Emergency access accounts: excluded from sign-in-based rules, still required to hold strong MFA. */
    breakGlass: z.array(z.string().min(1)).default([]),
    /** Non-human accounts (service, workload, integration users). */
    service: z.array(z.string().min(1)).default([]),
    sharedMailbox: z.array(z.string().min(1)).default([]),
  })
  .strict();

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-12-31');

/** How accounts are linked to people beyond matching e-mail addresses and employee ids. */
export const identityConfig = z
  .object({
    /**
     * Domains that are the same mailbox namespace, e.g. `contoso.onmicrosoft.com: contoso.com`, so
     * `ann@contoso.onmicrosoft.com` and `ann@contoso.com` are one person.
     */
    domainAliases: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Explicit links that win over every heuristic: `account` is `<instance>/<username>`, `person` an e-mail or employee id. */
    mappings: z.array(z.object({ account: z.string().min(3), person: z.string().min(1), note: z.string().optional() }).strict()).default([]),
  })
  .strict();
export type IdentityConfig = z.infer<typeof identityConfig>;

/** A rule result accepted for one subject, for a reason, by someone, until a date. */
export const exceptionConfig = z
  .object({
    rule: z.string().min(1),
    /** The subject's label or reference as results show it (`*` wildcards allowed). */
    subject: z.string().min(1),
    reason: z.string().min(3),
    approvedBy: z.string().min(1),
    /** Last day the exception applies (inclusive, UTC); afterwards it stops applying by itself. */
    expires: isoDate,
  })
  .strict();
export type ExceptionConfig = z.infer<typeof exceptionConfig>;

/** An app the organisation approved (the approved-apps register used by shadow-ai). */
export const approvedAppConfig = z
  .object({
    /** A catalog app id (see `config/ai-apps.yaml`) or the app's display name. */
    app: z.string().min(1),
    /** The person accountable for the app; an approved AI app without one is reported by shadow-ai. */
    owner: z.string().min(1).optional(),
    purpose: z.string().min(1),
    dataAllowed: z.string().min(1),
    approvedBy: z.string().min(1),
    /** Next review date; an overdue review is reported. */
    reviewDate: isoDate,
  })
  .strict();
export type ApprovedAppConfig = z.infer<typeof approvedAppConfig>;

export const organisation = z
  .object({
    id: slug,
    name: z.string().min(1),
    connectors: z.array(connectorBlock).min(1, 'at least one connector is needed'),
    accounts: accountLists.default({ breakGlass: [], service: [], sharedMailbox: [] }),
    /** Per-rule parameter overrides for this organisation, on top of the top-level `rules`. */
    rules: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    identity: identityConfig.default({ domainAliases: {}, mappings: [] }),
    exceptions: z.array(exceptionConfig).default([]),
    approvedApps: z.array(approvedAppConfig).default([]),
  })
  .strict();
export type OrganisationConfig = z.infer<typeof organisation>;

export const pacingBudget = z
  .object({
    /** Requests allowed per interval. */
    intervalCap: z.number().int().positive(),
    intervalMs: z.number().int().positive(),
    concurrency: z.number().int().positive().default(4),
  })
  .strict();
export type PacingBudgetConfig = z.infer<typeof pacingBudget>;

/** The sections of the config that core, the HTTP layer and the connectors need; the whole file's schema lives in src/config/agent-config.ts. */
export const storeConfig = z.object({ path: z.string().min(1).default('./evidentia.db') }).strict().default({ path: './evidentia.db' });
export const logConfig = z
  .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn') })
  .strict()
  .default({ level: 'warn' });
export const httpConfig = z
  .object({
    /** PEM file of extra CAs to trust (TLS-inspecting proxy). */
    caFile: z.string().min(1).optional(),
    /** Override a pacing budget by family (e.g. `graph-reports`); defaults follow vendor quotas. */
    pacing: z.record(z.string(), pacingBudget).default({}),
    maxAttempts: z.number().int().min(1).max(10).default(5),
    /** The longest single wait honoured from a Retry-After header before giving up on the stream. */
    maxRetryAfterMs: z.number().int().positive().default(120_000),
    timeoutMs: z.number().int().positive().default(60_000),
  })
  .strict()
  .default({ pacing: {}, maxAttempts: 5, maxRetryAfterMs: 120_000, timeoutMs: 60_000 });
export type HttpConfig = z.infer<typeof httpConfig>;
/** Rule parameters for every organisation, e.g. `mfa-coverage: { threshold: 0.95 }`. */
export const rulesConfig = z.record(z.string(), z.record(z.string(), z.unknown())).default({});
export type RulesConfig = z.infer<typeof rulesConfig>;

/** `a.b[0].c` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? clip(String(p)) : `.${clip(String(p))}`;
  }
  return out;
}

/** Keys echoed from the file are cut, so a 1 MB key cannot make a 1 MB error line. */
function clip(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** One line per problem: the first issue decides the message (the one a person fixes first). */
export function configErrorFromZod(error: z.ZodError, prefix: readonly PropertyKey[] = []): ConfigError {
  const issue = error.issues[0];
  if (!issue) return new ConfigError(formatPath(prefix), 'is invalid');
  const path = formatPath([...prefix, ...issue.path]);
  return new ConfigError(path || '(top level)', describeIssue(issue));
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.slice(0, 5).map((k) => `"${clip(k)}"`).join(', ')}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}; check the spelling against \`evidentia init\``;
    case 'invalid_type':
      return issue.input === undefined ? `is required (expected ${issue.expected})` : `expected ${issue.expected}, got ${describeInput(issue.input)}`;
    case 'invalid_union':
      // "Invalid input" says nothing; for a missing key say so, else the first alternative's complaint.
      if (issue.input === undefined) return 'is required';
      return issue.errors[0]?.[0]?.message ?? issue.message;
    default:
      return issue.message;
  }
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  return typeof input === 'object' ? 'a mapping' : typeof input;
}
