import { describe, expect, it } from 'vitest';
import { AgentError } from '../core/errors.ts';
import { assertSameOrigin, NextLinkTracker } from './origin-guard.ts';

const GRAPH = 'https://graph.microsoft.com';

function errorOf(fn: () => unknown): AgentError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AgentError) return e;
    throw e;
  }
  throw new Error('expected an AgentError');
}

describe('assertSameOrigin', () => {
  it.each([
    ['absolute, same origin', `${GRAPH}/v1.0/users?$skiptoken=abc`, `${GRAPH}/v1.0/users?$skiptoken=abc`],
    ['explicit default port', 'https://graph.microsoft.com:443/v1.0/users', `${GRAPH}/v1.0/users`],
    ['host case differs', 'https://GRAPH.microsoft.com/v1.0/users', `${GRAPH}/v1.0/users`],
    ['relative path', '/v1.0/users?$skiptoken=x', `${GRAPH}/v1.0/users?$skiptoken=x`],
    ['protocol-relative to the same host', '//graph.microsoft.com/v1.0/users', `${GRAPH}/v1.0/users`],
  ])('accepts %s', (_name, link, href) => {
    expect(assertSameOrigin(link, GRAPH).href).toBe(href);
  });

  it('resolves relative links against a base URL with a path', () => {
    expect(assertSameOrigin('users?$top=5', 'https://graph.microsoft.com/v1.0/').href).toBe(`${GRAPH}/v1.0/users?$top=5`);
    expect(assertSameOrigin('http://127.0.0.1:4711/a', 'http://127.0.0.1:4711').href).toBe('http://127.0.0.1:4711/a');
  });

  it.each([
    ['another host', 'https://evil.example/v1.0/users?$skiptoken=SECRET', 'https://evil.example'],
    ['a look-alike subdomain', 'https://graph.microsoft.com.evil.example/x?sig=SECRET', 'https://graph.microsoft.com.evil.example'],
    ['userinfo trick', 'https://graph.microsoft.com@evil.example/x?sig=SECRET', 'https://evil.example'],
    ['a scheme downgrade', 'http://graph.microsoft.com/v1.0/users?sig=SECRET', 'http://graph.microsoft.com'],
    ['another port', 'https://graph.microsoft.com:8443/v1.0/users?sig=SECRET', 'https://graph.microsoft.com:8443'],
    ['a subdomain of the host', 'https://a.graph.microsoft.com/x?sig=SECRET', 'https://a.graph.microsoft.com'],
    ['a protocol-relative foreign link', '//evil.example/x?sig=SECRET', 'https://evil.example'],
    ['a non-http scheme', 'javascript:alert(1)//?sig=SECRET', 'a javascript: URL'],
  ])('refuses %s, naming the host but not the query', (_name, link, named) => {
    const e = errorOf(() => assertSameOrigin(link, GRAPH));
    expect(e.code).toBe('foreign_origin');
    expect(e.message).toContain(named);
    expect(e.message).toContain(GRAPH);
    expect(e.message).not.toContain('SECRET');
    expect(e.message).not.toContain('?');
  });

  it('refuses a link that is not a URL without echoing it', () => {
    const e = errorOf(() => assertSameOrigin('https://[bad?token=SECRET', GRAPH));
    expect(e.code).toBe('invalid_response');
    expect(e.message).not.toContain('SECRET');
  });

  it('refuses a nonsense allowed origin as a programming error', () => {
    expect(errorOf(() => assertSameOrigin('/x', 'graph.microsoft.com')).code).toBe('internal');
    expect(errorOf(() => assertSameOrigin('/x', 'ftp://graph.microsoft.com')).code).toBe('internal');
  });
});

describe('NextLinkTracker', () => {
  it('passes new links and stops at the first repeat, without the query in the message', () => {
    const t = new NextLinkTracker();
    t.see(new URL(`${GRAPH}/v1.0/users?$skiptoken=A`));
    t.see(`${GRAPH}/v1.0/users?$skiptoken=B`);
    expect(t.count).toBe(2);
    const e = errorOf(() => t.see(`${GRAPH}/v1.0/users?$skiptoken=A`));
    expect(e.code).toBe('next_link_loop');
    expect(e.message).toBe('the API returned a next-page link already followed (/v1.0/users, after 2 pages); paging stopped to avoid an endless loop');
  });

  it('is per sequence: a new tracker starts empty', () => {
    new NextLinkTracker().see(`${GRAPH}/a`);
    expect(() => new NextLinkTracker().see(`${GRAPH}/a`)).not.toThrow();
  });
});
