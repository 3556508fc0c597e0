import { z } from 'zod';
import { secretRef } from '../../src/core/secrets.ts';
import { CLOUDS } from './clouds.ts';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'a GUID like 00000000-0000-0000-0000-000000000000');
const httpsUrl = z.url({ protocol: /^https$/, error: 'an https:// URL' });

export const M365_STREAM_IDS = [
  'users',
  'mfa-registration',
  'role-assignments',
  'role-eligibility',
  'service-principals',
  'delegated-grants',
  'app-role-assignments',
] as const;
export type M365StreamId = (typeof M365_STREAM_IDS)[number];

export const m365ConfigSchema = z
  .object({
    /** Directory (tenant) id of the Entra tenant, or its primary domain. */
    tenantId: z.union([guid, z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'a tenant GUID or domain')]),
    /** Application (client) id of the app registration Evidentia signs in as. */
    clientId: guid,
    auth: z.discriminatedUnion('method', [
      z.object({ method: z.literal('client_secret'), secret: secretRef }).strict(),
      z
        .object({
          method: z.literal('certificate'),
          /** PEM file holding the certificate and its private key. */
          certificateFile: z.string().min(1),
          /** Passphrase of an encrypted private key, if any. */
          passphrase: secretRef.optional(),
        })
        .strict(),
    ]),
    cloud: z.enum(Object.keys(CLOUDS) as [keyof typeof CLOUDS, ...(keyof typeof CLOUDS)[]]).default('global'),
    /** Overrides for proxies, sovereign deployments and local test doubles. */
    endpoints: z.object({ graph: httpsUrl.optional(), authority: httpsUrl.optional() }).strict().default({}),
    /**
     * Streams switched off on purpose (e.g. `role-eligibility` when PIM permission is not granted).
     * They are recorded as `disabled`, and rules needing them say so instead of passing.
     */
    disabledStreams: z.array(z.enum(M365_STREAM_IDS)).default([]),
    /** Users per page; Graph allows at most 500 when sign-in activity is selected. @default 500 */
    userPageSize: z.number().int().min(1).max(500).default(500),
  })
  .strict();
export type M365Config = z.infer<typeof m365ConfigSchema>;
