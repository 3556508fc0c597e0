import { z } from 'zod';
import { secretRef } from '../../src/core/secrets.ts';
import { isTimeZone } from '../../src/core/zoned-time.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The API base URL override. https anywhere; plain http only on the loopback interface (test
 * doubles, a local proxy), because every request carries the API key in its Basic auth header.
 */
const apiUrl = z
  .url({ protocol: /^https?$/, error: 'an http(s) URL' })
  .refine(
    (u) => {
      const url = new URL(u);
      return url.protocol === 'https:' || LOOPBACK.has(url.hostname);
    },
    { error: 'must be https:// (plain http:// is allowed only for 127.0.0.1, localhost or [::1])' },
  )
  .refine((u) => !new URL(u).search && !new URL(u).hash && !new URL(u).username, { error: 'must be a base URL without query, fragment or credentials' });

export const bambooHrConfigSchema = z
  .object({
    /** What comes before `.bamboohr.com` in the company's BambooHR address. */
    subdomain: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i, 'the company subdomain, e.g. contoso for contoso.bamboohr.com'),
    /** An API key (BambooHR: your name → API Keys) of a user whose access level can see the fields in permissions.ts. */
    apiKey: secretRef,
    /**
     * Overrides for proxies and local test doubles. `api` replaces the whole base URL
     * `https://api.bamboohr.com/api/gateway.php/<subdomain>/v1` (paths such as `/reports/custom` are appended).
     */
    endpoints: z.object({ api: apiUrl.optional() }).strict().default({}),
    /**
     * IANA zone the company's dates are in (BambooHR stores hire and termination dates as plain
     * dates). A termination date is the last working day: the person left at 00:00 of the next day
     * in this zone. @default 'UTC'
     */
    timezone: z.string().default('UTC').refine(isTimeZone, { error: 'an IANA time zone such as UTC, Europe/London or America/New_York' }),
  })
  .strict();
export type BambooHrConfig = z.infer<typeof bambooHrConfigSchema>;

/** The base every path is appended to, without a trailing slash. */
export function apiBaseOf(config: BambooHrConfig): string {
  const base = config.endpoints.api ?? `https://api.bamboohr.com/api/gateway.php/${encodeURIComponent(config.subdomain)}/v1`;
  return base.replace(/\/+$/, '');
}
