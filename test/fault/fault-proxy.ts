import { request as httpRequest, createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest, createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A reverse proxy on 127.0.0.1 in front of a vendor double, for the faults the doubles do not model
 * themselves (502/504, a reset or a timeout on any endpoint, a page that parses but fails the
 * schema, a 401 in the middle of paging). Everything else passes through byte for byte, except that
 * the double's origin in response bodies becomes the proxy's, so absolute nextLinks stay on it.
 */

export type FaultAction =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Replace a successful response's body (keeps status and headers). */
  | { kind: 'body'; body: (original: string, path: string) => string }
  /** Destroy the socket before any byte of the response. */
  | { kind: 'reset' }
  /** Send the headers and half the body, then destroy the socket. */
  | { kind: 'truncate' }
  /** Never answer (the client's timeout must end it). */
  | { kind: 'hang' }
  /** Hold the request until `until` settles, then pass it through (a client kept mid-collection). */
  | { kind: 'hold'; until: Promise<void> };

export interface FaultRule {
  /** Which requests the rule watches, e.g. `(m, p) => p.startsWith('/admin/directory/v1/users')`. */
  match: (method: string, path: string, body: string) => boolean;
  /** 1-based index of the first matching request that fails. @default 1 */
  from?: number;
  /** How many matching requests fail from there. @default Infinity */
  times?: number;
  action: FaultAction;
}

export interface SeenRequest {
  method: string;
  path: string;
  /** What the proxy did: `pass` or the fault kind. */
  did: string;
  status: number | null;
  authorization: string | null;
}

export interface FaultProxy {
  /** `http(s)://127.0.0.1:port`. */
  origin: string;
  /** Rewrites `url` (on the double's origin) onto the proxy. */
  via(url: string): string;
  requests: SeenRequest[];
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** The double's origin, e.g. `http://127.0.0.1:41234`. */
  target: string;
  rules?: FaultRule[];
  /** Serve HTTPS with this key pair (the Graph double's), and trust `ca` towards the double. */
  tls?: { key: string; cert: string; ca: string };
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(opts.target);
  let rules = opts.rules ?? [];
  let seen = new Map<FaultRule, number>();
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let origin = '';

  const pick = (method: string, path: string, body: string): FaultRule | undefined => {
    for (const r of rules) {
      if (!r.match(method, path, body)) continue;
      const n = (seen.get(r) ?? 0) + 1;
      seen.set(r, n);
      const from = r.from ?? 1;
      if (n >= from && n < from + (r.times ?? Infinity)) return r;
    }
    return undefined;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const auth = req.headers.authorization ?? null;
    const rule = pick(method, path, body.toString('utf8'));
    const record: SeenRequest = { method, path, did: rule ? rule.action.kind : 'pass', status: null, authorization: auth };
    requests.push(record);
    const action = rule?.action;
    if (action?.kind === 'reset') return req.socket.destroy();
    if (action?.kind === 'hang') return;
    if (action?.kind === 'hold') await action.until;
    if (action?.kind === 'status') {
      record.status = action.status;
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers }).end(action.body ?? '');
      return;
    }
    const send = opts.tls ? httpsRequest : httpRequest;
    const headers = { ...req.headers, host: target.host };
    const upstream = send(
      { hostname: target.hostname, port: target.port, path, method, headers, ...(opts.tls ? { ca: opts.tls.ca } : {}) },
      async (up) => {
        const parts: Buffer[] = [];
        for await (const c of up) parts.push(c as Buffer);
        let text = Buffer.concat(parts).toString('utf8').split(target.origin).join(origin);
        const status = up.statusCode ?? 502;
        if (action?.kind === 'body' && status >= 200 && status < 300) text = action.body(text, path);
        record.status = status;
        const out = { ...up.headers };
        delete out['content-length'];
        delete out['transfer-encoding'];
        const bytes = Buffer.from(text, 'utf8');
        if (action?.kind === 'truncate') {
          res.writeHead(status, { ...out, 'content-length': String(bytes.length) });
          res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
          setImmediate(() => req.socket.destroy());
          return;
        }
        res.writeHead(status, { ...out, 'content-length': String(bytes.length) }).end(bytes);
      },
    );
    upstream.on('error', () => req.socket.destroy());
    upstream.end(body);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res).catch(() => req.socket.destroy());
  const server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : createHttpServer(listener);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    origin,
    via: (url) => url.split(target.origin).join(origin),
    requests,
    setRules(next) {
      rules = next;
      seen = new Map();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
