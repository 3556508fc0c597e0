import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AgentError } from '../core/errors.ts';
import type { HealthReport } from './health.ts';

export interface HttpEndpointOptions {
  host: string;
  /** 0: a free port chosen by the OS (tests). */
  port: number;
  health: () => HealthReport | Promise<HealthReport>;
  metrics: () => Promise<{ contentType: string; body: string }>;
  log: Logger;
}

export interface HttpEndpoint {
  /** e.g. `http://127.0.0.1:9464`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * `/healthz` and `/metrics`, nothing else (every other path and method is a 404). Bound to
 * 127.0.0.1 unless the config says otherwise: the answers hold only ids, statuses and counts, but
 * there is no reason to offer even those to the network by default.
 */
export async function startHttpEndpoint(opts: HttpEndpointOptions): Promise<HttpEndpoint> {
  const server = createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      opts.log.error({ err }, 'health endpoint failed to answer');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  // Keep-alive connections from a scraper must not hold the daemon's shutdown open.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new AgentError('config_invalid', `daemon.http: cannot listen on ${opts.host}:${opts.port} (${e.code ?? e.message}); pick another daemon.http.port or stop what uses it`, { cause: e })),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: HttpEndpointOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/healthz') {
    const report = await opts.health();
    send(res, report.status === 'ok' ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  if (req.method === 'GET' && path === '/metrics') {
    const { contentType, body } = await opts.metrics();
    send(res, 200, contentType, body);
    return;
  }
  send(res, 404, 'text/plain; charset=utf-8', 'not found: this endpoint serves GET /healthz and GET /metrics only\n');
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
