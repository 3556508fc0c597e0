import { ResponseType } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import { assertSameOrigin } from '../../src/http/origin-guard.ts';
import { AgentError } from '../../src/core/errors.ts';
import type { GraphSession } from './graph-client.ts';
import { classifyGraphFailure } from './graph-errors.ts';
import { ThrownError } from './graph-middleware.ts';

/** One raw Graph response, with its parsed collection when it was a 2xx. */
export interface GraphPage {
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  receivedAt: string;
  /** The `value` array of a successful page; `null` when the response was an error. */
  value: unknown[] | null;
  /** Set when this response ends the paging with a problem (error status, bad JSON, loop). */
  failure: StreamFailure | null;
}

const collectionPage = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
});

export interface PagingNeeds {
  permission: string;
  licence?: string;
}

/**
 * Follows `@odata.nextLink` until Graph stops sending one. There is no page cap: a tenant with
 * 100,000 users is read to the end. Every response, including the error that ends the paging, is
 * yielded so it can be stored as evidence. Links are followed only to the origin first called, and
 * a link seen twice ends the paging as `truncated` instead of looping forever.
 */
export async function* graphPages(session: GraphSession, firstUrl: string, needs: PagingNeeds, now: () => Date): AsyncGenerator<GraphPage, void, undefined> {
  const seen = new Set<string>();
  let url: string | undefined = new URL(firstUrl, session.endpoints.graph + '/').toString();
  while (url !== undefined) {
    seen.add(url);
    const res = await getRaw(session, url);
    const body = await res.text();
    const base = { url, status: res.status, contentType: res.headers.get('content-type'), body, receivedAt: now().toISOString() };
    if (!res.ok) {
      yield { ...base, value: null, failure: classifyGraphFailure(res.status, body, needs) };
      return;
    }
    const parsed = parseCollection(body);
    if (!parsed.ok) {
      yield { ...base, value: null, failure: { kind: 'invalid', detail: `page ${seen.size} of ${pathOf(url)} was not a Graph collection (${parsed.why}); later pages were not read` } };
      return;
    }
    const next = parsed.page['@odata.nextLink'];
    let failure: StreamFailure | null = null;
    url = undefined;
    if (next !== undefined) {
      try {
        const resolved = assertSameOrigin(next, session.origin).toString();
        if (seen.has(resolved)) failure = { kind: 'truncated', detail: `Graph sent a nextLink already followed on ${pathOf(resolved)}; paging stopped to avoid a loop` };
        else url = resolved;
      } catch (e) {
        if (!(e instanceof AgentError)) throw e;
        failure = { kind: 'truncated', detail: `${e.message}; the link was not followed and later pages were not read` };
      }
    }
    yield { ...base, value: parsed.page.value, failure };
  }
}

function parseCollection(body: string): { ok: true; page: z.infer<typeof collectionPage> } | { ok: false; why: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return { ok: false, why: `invalid JSON: ${(e as Error).message}` };
  }
  const page = collectionPage.safeParse(json);
  return page.success ? { ok: true, page: page.data } : { ok: false, why: 'no `value` array' };
}

/** @azure/identity's refusals (MSAL errors arrive as AuthenticationRequiredError): no token, so nothing was read. */
const IDENTITY_ERRORS = new Set(['AuthenticationError', 'AuthenticationRequiredError', 'CredentialUnavailableError']);

/**
 * One GET through the SDK, raw. A failure thrown inside the middleware chain is rethrown as it was
 * (see ThrownError) and a token refusal becomes AgentError `auth_failed`, so the collector records
 * `auth` rather than `transient` for a wrong secret or certificate.
 */
async function getRaw(session: GraphSession, url: string): Promise<Response> {
  const thrown = new ThrownError();
  try {
    return (await session.client.api(url).middlewareOptions([thrown]).responseType(ResponseType.RAW).get()) as Response;
  } catch (e) {
    const original = thrown.error ?? e;
    if (original instanceof Error && IDENTITY_ERRORS.has(original.name)) {
      throw new AgentError('auth_failed', `no access token for ${session.endpoints.graph}: ${original.message.split('\n')[0]}`, { cause: original });
    }
    throw original;
  }
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

/** One object (not a collection), e.g. a resource service principal; yielded as a one-record page. */
export async function graphObject(session: GraphSession, path: string, needs: PagingNeeds, now: () => Date): Promise<GraphPage> {
  const url = new URL(path, session.endpoints.graph + '/').toString();
  const res = await getRaw(session, url);
  const body = await res.text();
  const base = { url, status: res.status, contentType: res.headers.get('content-type'), body, receivedAt: now().toISOString() };
  if (!res.ok) return { ...base, value: null, failure: classifyGraphFailure(res.status, body, needs) };
  try {
    const json: unknown = JSON.parse(body);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not an object');
    return { ...base, value: [json], failure: null };
  } catch (e) {
    return { ...base, value: null, failure: { kind: 'invalid', detail: `${pathOf(url)} did not return a Graph object (${(e as Error).message})` } };
  }
}
