import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import type { BambooResponse } from './bamboo-call.ts';
import { FIELD_ACCESS } from './permissions.ts';

/**
 * A final (post-retry) BambooHR answer that is not a 2xx, as the failure a person should read.
 * BambooHR explains errors in the `X-BambooHR-Error-Message` header, not the body.
 */
export function classifyBambooFailure(res: BambooResponse, subdomain: string): StreamFailure {
  const said = `HTTP ${res.status}${res.errorMessage ? ` "${res.errorMessage}"` : ''}`;
  const s = res.status;
  if (s === 401) {
    return { kind: 'auth', detail: `BambooHR refused the API key (${said}): it is wrong, was deleted, or its user is disabled; create a key under your name → API Keys and store it where apiKey points` };
  }
  if (s === 403) {
    return { kind: 'denied', detail: `BambooHR refused the custom report (${said}): the API key's user may not run reports or see these employees; give their access level report and field access`, needs: FIELD_ACCESS };
  }
  if (s === 404) {
    return { kind: 'invalid', detail: `BambooHR has no API at this address (${said}): check subdomain "${subdomain}" (the part before .bamboohr.com) and endpoints.api` };
  }
  if (s === 429) return { kind: 'throttled', detail: `BambooHR kept rate-limiting the report after retries (${said}); the next run will try again` };
  if (s === 503) {
    // Until 2026-09-16 BambooHR signalled rate limits with 503 too ("Planned Changes to the API").
    return { kind: 'transient', detail: `BambooHR was unavailable after retries (${said}; before 2026-09-16 this also meant rate-limited); the next run will try again` };
  }
  if (s >= 500) return { kind: 'transient', detail: `BambooHR failed with ${said} after retries; usually temporary` };
  if (s >= 300 && s < 400) return { kind: 'invalid', detail: `BambooHR answered with a redirect (${said}); it was not followed, so the API key stays with the configured host; check endpoints.api` };
  return { kind: 'invalid', detail: `BambooHR refused the report request (${said})` };
}
