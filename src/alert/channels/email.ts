import nodemailer from 'nodemailer';
import type { AlertMessage } from '../alert-message.ts';
import { DeliveryError } from './channel.ts';
import type { Channel } from './channel.ts';

export interface EmailOptions {
  host: string;
  port: number;
  secure: boolean;
  requireTls: boolean;
  auth: { user: string; pass: string } | null;
  ca: string | null;
  from: string;
  to: string[];
  timeoutMs: number;
}

/** Plain-text mail, one per message; the subject carries severity and title. */
export function emailContent(m: AlertMessage): { subject: string; text: string } {
  const facts = [`Severity: ${m.severity}`, `Organisation: ${m.org}`, m.type ? `Event: ${m.type}` : '', m.firstSeenAt ? `Open since: ${m.firstSeenAt}` : '', m.runId !== null ? `Run: ${m.runId}` : ''].filter(Boolean);
  return { subject: `[Evidentia ${m.severity.toUpperCase()}] ${m.title}`, text: `${m.text}\n\n${facts.join('\n')}\n` };
}

/** SMTP through nodemailer: STARTTLS (required unless `requireTls: false`) or TLS from the start. */
export function emailChannel(name: string, o: EmailOptions): Channel {
  const transport = nodemailer.createTransport({
    host: o.host,
    port: o.port,
    secure: o.secure,
    requireTLS: !o.secure && o.requireTls,
    ...(o.auth ? { auth: o.auth } : {}),
    ...(o.ca ? { tls: { ca: o.ca } } : {}),
    connectionTimeout: o.timeoutMs,
    greetingTimeout: o.timeoutMs,
    socketTimeout: o.timeoutMs,
    logger: false,
    debug: false,
  });
  return {
    name,
    type: 'email',
    async send(m, deliveryId, signal) {
      const { subject, text } = emailContent(m);
      try {
        // nodemailer closes the SMTP connection when `signal` aborts (its typings predate the option).
        const mail: Parameters<typeof transport.sendMail>[0] & { signal?: AbortSignal } = { from: o.from, to: o.to, subject, text, headers: { 'X-Evidentia-Delivery': deliveryId }, ...(signal ? { signal } : {}) };
        await transport.sendMail(mail);
      } catch (e) {
        if (signal?.aborted) throw new DeliveryError(`${name}: the send was interrupted because Evidentia is stopping`, { cause: e });
        const err = e as { code?: string; responseCode?: number; response?: string; message?: string };
        const why = err.responseCode ? `the SMTP server answered ${err.responseCode}: ${(err.response ?? '').slice(0, 200)}` : `${err.code ?? 'error'}: ${err.message ?? String(e)}`;
        throw new DeliveryError(`${name}: ${why}`, { cause: e });
      }
    },
    close: async () => transport.close(),
  };
}
