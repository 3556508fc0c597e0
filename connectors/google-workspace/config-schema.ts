import { z } from 'zod';
import { secretRef } from '../../src/core/secrets.ts';

export const GOOGLE_STREAM_IDS = ['users', 'two-step-verification', 'roles', 'tokens'] as const;
export type GoogleStreamId = (typeof GOOGLE_STREAM_IDS)[number];

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An override URL. https anywhere; plain http only on the loopback interface (test doubles, a
 * local proxy), because the token request carries a signed assertion and API calls a bearer token.
 */
const endpointUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' }).refine(
  (u) => {
    const url = new URL(u);
    return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
  },
  { error: 'must be https:// (plain http:// is allowed only for 127.0.0.1, localhost or [::1])' },
);

export const googleWorkspaceConfigSchema = z
  .object({
    /**
     * The Workspace customer: `my_customer` (the impersonated admin's own) or an id like `C03az79cb`.
     * @default 'my_customer'
     */
    customer: z.string().regex(/^(my_customer|C[0-9A-Za-z]{5,})$/, 'my_customer or a customer id like C03az79cb').default('my_customer'),
    /** Read only this domain's users (users.list `domain`) instead of every domain of the customer. */
    domain: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i, 'a domain like contoso.com').optional(),
    /** The admin the service account impersonates (JWT `sub`): a super admin, or an admin whose role can read users, roles and user security. */
    adminEmail: z.email({ error: 'an e-mail address' }),
    /** The service account's JSON key file contents (from `{ env }` or `{ file }`). */
    serviceAccountKey: secretRef,
    /**
     * Overrides for proxies and local test doubles. `directory` replaces `https://admin.googleapis.com/`
     * (origin only: the client keeps the `/admin/directory/v1/…` paths); `token` replaces
     * `https://oauth2.googleapis.com/token`.
     */
    endpoints: z
      .object({
        directory: endpointUrl
          .refine((u) => new URL(u).pathname === '/' && !new URL(u).search, { error: 'must be an origin such as https://proxy.example.com/ (no path or query)' })
          .optional(),
        token: endpointUrl.optional(),
      })
      .strict()
      .default({}),
    /**
     * Streams switched off on purpose (e.g. `tokens` when `admin.directory.user.security` is not
     * authorised). They are recorded as `disabled`, and rules needing them say so instead of passing.
     */
    disabledStreams: z.array(z.enum(GOOGLE_STREAM_IDS)).default([]),
  })
  .strict();
export type GoogleWorkspaceConfig = z.infer<typeof googleWorkspaceConfigSchema>;
