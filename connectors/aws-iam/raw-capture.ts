import type { Readable } from 'node:stream';

/** One AWS response exactly as received, kept as evidence (a `Page` body) or to explain a failure. */
export interface RawResponse {
  method: string;
  /** Endpoint plus the operation (`?Action=…` for Query APIs, `#Target` for JSON ones). Never credentials. */
  url: string;
  status: number;
  contentType: string | null;
  body: string;
  receivedAt: string;
}

interface HttpRequestLike {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

interface HttpResponseLike {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Where the capture middleware leaves the last response of one call. */
export interface CaptureSlot {
  raw: RawResponse | null;
  headers: Record<string, string>;
}

/**
 * A middleware for one command, placed in the `deserialize` step below the SDK's deserializer, so
 * it sees the HTTP response before it is parsed: it reads the body to bytes, keeps a copy and hands
 * the bytes on (the SDK's body collector accepts a `Uint8Array`). The request URL it records is the
 * endpoint and the operation only: headers (signatures, session tokens) are never kept.
 */
export function captureMiddleware(slot: CaptureSlot, now: () => Date) {
  return (next: (args: { request: unknown }) => Promise<{ response: unknown }>) =>
    async (args: { request: unknown }) => {
      const result = await next(args);
      const req = args.request as HttpRequestLike;
      const res = result.response as HttpResponseLike;
      const bytes = await toBytes(res.body);
      res.body = bytes;
      const lower = Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      slot.headers = lower;
      slot.raw = {
        method: req.method,
        url: urlOf(req),
        status: res.statusCode,
        contentType: lower['content-type'] ?? null,
        body: new TextDecoder('utf-8').decode(bytes),
        receivedAt: now().toISOString(),
      };
      return result;
    };
}

function urlOf(req: HttpRequestLike): string {
  const port = req.port ? `:${req.port}` : '';
  const base = `${req.protocol}//${req.hostname}${port}${req.path}`;
  const target = req.headers['x-amz-target'] ?? req.headers['X-Amz-Target'];
  if (target) return `${base}#${target}`;
  const body = typeof req.body === 'string' ? req.body : '';
  const m = /(?:^|&)Action=([A-Za-z]+)&Version=([\d-]+)/.exec(body);
  return m ? `${base}?Action=${m[1]}&Version=${m[2]}` : base;
}

async function toBytes(body: unknown): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array();
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return new TextEncoder().encode(body);
  const chunks: Buffer[] = [];
  for await (const c of body as Readable) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}
