import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { SMTPServer } from 'smtp-server';
import { closeServer, listenOn } from '../../fixtures/_shared/loopback-server.ts';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body exactly as received (signatures are over these bytes). */
  body: string;
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  readonly requests: ReceivedRequest[];
  /** How to answer each next request: a status, or a status and body, or `hang` (never answer); when empty, 200 "ok". */
  answers: ({ status: number; body?: string } | 'hang')[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 recording every request, answering as `answers` says. */
export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const answers: HttpReceiver['answers'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const a = answers.shift() ?? { status: 200, body: 'ok' };
      // A receiver that accepted the request and never answers (closed with the server).
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'text/plain' }).end(a.body ?? '');
    });
  });
  const port = await listenOn(server, '127.0.0.1', 0);
  return { url: (path) => `http://127.0.0.1:${port}${path}`, requests, answers, close: () => closeServer(server) };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user: string | null;
  secure: boolean;
  raw: string;
}

export interface SmtpReceiver {
  port: number;
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 with AUTH PLAIN/LOGIN and, given a certificate,
 * STARTTLS; without one, STARTTLS is not offered and AUTH is allowed in the clear (tests only).
 */
export async function startSmtpReceiver(opts: { user: string; pass: string; tls?: { cert: string; key: string } }): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'], allowInsecureAuth: true }),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.pass) cb(null, { user: auth.username });
      else cb(new Error('535 authentication failed'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : null,
          secure: session.secure,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
