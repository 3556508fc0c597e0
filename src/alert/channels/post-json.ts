import { ConfigError } from '../../core/errors.ts';
import { DeliveryError } from './channel.ts';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Checks a webhook URL read from a secret: https only (the URL itself is a credential for Slack and
 * Teams, and the payload describes people), plain http only to this machine (local receivers,
 * tests). The error names the config key, never the value.
 */
export function checkWebhookUrl(value: string, path: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(path, 'the secret does not hold a URL; it must be the full https:// webhook address');
  }
  if (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname))) return url.toString();
  throw new ConfigError(path, 'the secret holds a URL that is not https:// (plain http is allowed only to 127.0.0.1 or localhost)');
}

/**
 * POSTs a JSON body and throws `DeliveryError` unless the answer is 2xx. Redirects are refused (a
 * redirect would carry the payload somewhere nobody configured). Errors say the status and the
 * start of the receiver's answer, never the URL.
 */
export async function postJson(opts: { fetch: FetchLike; url: string; body: string; headers?: Record<string, string>; timeoutMs: number; channel: string; signal?: AbortSignal | undefined }): Promise<void> {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  let res: Response;
  try {
    res = await opts.fetch(opts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'evidentia-alerts', ...opts.headers },
      body: opts.body,
      redirect: 'manual',
      signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout,
    });
  } catch (e) {
    if (opts.signal?.aborted) throw new DeliveryError(`${opts.channel}: the send was interrupted because Evidentia is stopping`, { cause: e });
    throw new DeliveryError(`${opts.channel}: ${networkReason(e, opts.timeoutMs)}`, { cause: e });
  }
  const text = await res.text().catch(() => '');
  if (res.status >= 200 && res.status < 300) return;
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new DeliveryError(`${opts.channel}: the receiver answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`);
}

function networkReason(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  // undici wraps the socket error; connecting to several addresses wraps them in an AggregateError.
  const cause = (e as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  const code = cause?.code ?? cause?.errors?.find((x) => x.code)?.code;
  if (code) return `could not reach the receiver (${code})`;
  return `could not reach the receiver (${e instanceof Error ? e.message : String(e)})`;
}
