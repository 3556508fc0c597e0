import { AgentError } from '../core/errors.ts';

/**
 * Tokens go only to the origin we called (rule of thumb 2). APIs hand back absolute nextLinks; a
 * compromised or misconfigured tenant, proxy or test double could point one anywhere, and the
 * client would send its bearer token along. Messages name hosts and paths, never query strings:
 * those carry skip tokens and, for some APIs, signed credentials.
 */

/**
 * Resolves `link` (absolute or relative to `allowedOrigin`) and returns it when its scheme, host and
 * port equal `allowedOrigin`'s exactly (default ports normalised: `https://h:443` is `https://h`).
 * `allowedOrigin` may be a base URL with a path (`https://graph.microsoft.com/v1.0/`); relative
 * links resolve against it, only its origin is compared. Throws AgentError `foreign_origin`
 * otherwise, `invalid_response` when `link` is not a URL at all.
 */
export function assertSameOrigin(link: string, allowedOrigin: string): URL {
  const allowed = parseAllowed(allowedOrigin);
  let url: URL;
  try {
    url = new URL(link, allowed);
  } catch (e) {
    throw new AgentError('invalid_response', `the API returned a link that is not a valid URL (${link.length} characters); it was not followed`, { cause: e });
  }
  if (url.origin !== allowed.origin || url.origin === 'null') {
    throw new AgentError(
      'foreign_origin',
      `the API returned a link to ${describeOrigin(url)}, not ${allowed.origin}; it was not followed so no credentials leave for another host`,
    );
  }
  return url;
}

function parseAllowed(allowedOrigin: string): URL {
  let allowed: URL;
  try {
    allowed = new URL(allowedOrigin);
  } catch (e) {
    throw new AgentError('internal', `Expected \`allowedOrigin\` to be an absolute URL, got \`${allowedOrigin}\` (string)`, { cause: e });
  }
  if (allowed.protocol !== 'https:' && allowed.protocol !== 'http:') {
    throw new AgentError('internal', `Expected \`allowedOrigin\` to be an http(s) URL, got scheme \`${allowed.protocol}\``);
  }
  return allowed;
}

/** scheme://host[:port] without userinfo, path or query. */
function describeOrigin(url: URL): string {
  return url.origin !== 'null' ? url.origin : `a ${url.protocol} URL`;
}

/**
 * Detects a paging sequence that goes round in circles: the same nextLink twice means the API would
 * serve the same pages forever (one tracker per paging sequence, i.e. per stream read).
 */
export class NextLinkTracker {
  readonly #seen = new Set<string>();

  /** Links followed so far. */
  get count(): number {
    return this.#seen.size;
  }

  /**
   * Records `link` (as resolved by `assertSameOrigin`) before it is followed; throws AgentError
   * `next_link_loop` when it was already followed in this sequence.
   */
  see(link: URL | string): void {
    const href = typeof link === 'string' ? link : link.href;
    if (this.#seen.has(href)) {
      const path = typeof link === 'string' ? safePath(link) : link.pathname;
      throw new AgentError(
        'next_link_loop',
        `the API returned a next-page link already followed (${path}, after ${this.#seen.size} pages); paging stopped to avoid an endless loop`,
      );
    }
    this.#seen.add(href);
  }
}

function safePath(link: string): string {
  try {
    return new URL(link).pathname;
  } catch {
    return '(unparseable link)';
  }
}
