import { z } from 'zod';
import { secretRef } from '../core/secrets.ts';
import { isTimeZone } from '../core/zoned-time.ts';
import { duration } from './duration.ts';
import { EVENT_TYPES, SEVERITIES } from './finding.ts';

/**
 * `alerts:` in the config. Every secret (webhook URLs, which embed tokens for Slack and Teams; the
 * HMAC key; the SMTP password) is a secret reference (`{ env }` / `{ file }`), never text.
 */

/** A secret reference, with an error that says how to fix a secret written inline. */
const secret = z.unknown().transform((value, ctx) => {
  const ref = secretRef.safeParse(value);
  if (ref.success) return ref.data;
  ctx.addIssue({
    code: 'custom',
    message:
      typeof value === 'string'
        ? 'write a secret reference, { env: NAME } or { file: /path }, never the secret itself in the config'
        : 'expected a secret reference: { env: NAME } or { file: /path }',
  });
  return z.NEVER;
});

const channelName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');
const timeoutMs = z.number().int().positive().max(120_000).default(10_000);
const severity = z.enum(SEVERITIES);
const eventType = z.enum(EVENT_TYPES);

export const slackChannel = z
  .object({ name: channelName, type: z.literal('slack'), webhookUrl: secret, timeoutMs })
  .strict();

export const teamsChannel = z
  .object({ name: channelName, type: z.literal('teams'), webhookUrl: secret, timeoutMs })
  .strict();

export const webhookChannel = z
  .object({
    name: channelName,
    type: z.literal('webhook'),
    url: secret,
    /** HMAC-SHA256 key: the receiver checks `X-Evidentia-Signature` with it. */
    signingKey: secret,
    timeoutMs,
  })
  .strict();

export const emailChannel = z
  .object({
    name: channelName,
    type: z.literal('email'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** `true`: TLS from the first byte (port 465). `false`: plain connection upgraded with STARTTLS. @default false */
    secure: z.boolean().default(false),
    /** Refuse to send unless the server offers STARTTLS (with `secure: false`). @default true */
    requireTls: z.boolean().default(true),
    username: z.string().min(1).optional(),
    password: secret.optional(),
    /** PEM file of a CA to trust for the SMTP server's certificate (an internal relay). */
    caFile: z.string().min(1).optional(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1, 'at least one recipient is needed'),
    timeoutMs,
  })
  .strict()
  .refine((c) => (c.username === undefined) === (c.password === undefined), { message: 'username and password go together', path: ['password'] });

export const channelConfig = z.discriminatedUnion('type', [slackChannel, teamsChannel, webhookChannel, emailChannel]);
export type ChannelConfig = z.infer<typeof channelConfig>;

export const routeConfig = z
  .object({
    /** Event types this route carries. @default every type */
    events: z.array(eventType).min(1).optional(),
    /** Only findings of this severity or higher. @default low */
    minSeverity: severity.default('low'),
    /** Only these organisations. @default every organisation */
    orgs: z.array(z.string().min(1)).min(1).optional(),
    channels: z.array(channelName).min(1),
  })
  .strict();
export type RouteConfig = z.infer<typeof routeConfig>;

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time like 22:00');

export const alertsConfig = z
  .object({
    channels: z.array(channelConfig).min(1, 'at least one channel is needed'),
    /** Which events go where. @default every event to every channel */
    routes: z.array(routeConfig).optional(),
    /** Severity per event type, over the defaults (leaver_access, shadow_ai, new_privileged_assignment: high; others medium). */
    severity: z.partialRecord(eventType, severity).default({}),
    reminders: z
      .object({
        /** An open finding is reminded of this long after its last alert. @default 24h */
        every: duration.default(86_400_000),
        /** Event types that alert once and never remind. @default [new_privileged_assignment] */
        skip: z.array(eventType).default(['new_privileged_assignment']),
      })
      .strict()
      .default({ every: 86_400_000, skip: ['new_privileged_assignment'] }),
    /** Nothing is sent between `from` and `to` (local time in `timeZone`); held messages go out when it ends. */
    quietHours: z
      .object({
        from: clock,
        to: clock,
        timeZone: z.string().refine(isTimeZone, 'an IANA time zone such as Europe/Berlin or UTC'),
        /** New alerts and reminders of this severity and higher are sent even in quiet hours (resolved notices never are); `none`: nothing is. @default high */
        bypass: z.enum([...SEVERITIES, 'none']).default('high'),
      })
      .strict()
      .optional(),
    /** Messages of these severities are collected and sent as one digest per interval and channel. */
    digest: z
      .object({ severities: z.array(severity).min(1).default(['low']), every: duration.default(86_400_000) })
      .strict()
      .optional(),
    /**
     * How long the daemon waits, after SIGTERM/SIGINT, for a send in flight before it cuts it (the
     * HTTP request is aborted, the SMTP connection closed). The attempt is recorded as interrupted
     * and the message stays due: the next start sends it again under the same delivery id. An
     * interrupted attempt does not count toward `retry.maxAttempts` or the backoff. Keep it
     * well under systemd's stop timeout (TimeoutStopSec). @default 20s
     */
    stopTimeout: duration.default(20_000),
    retry: z
      .object({
        /** Wait before the first retry; doubles each attempt. @default 30s */
        initialDelay: duration.default(30_000),
        /** Longest wait between two attempts. @default 1h */
        maxDelay: duration.default(3_600_000),
        /** After this many failed attempts a message is given up (recorded, never silently dropped); sends cut by shutdown are not counted. @default 48 */
        maxAttempts: z.number().int().min(1).max(1000).default(48),
      })
      .strict()
      .default({ initialDelay: 30_000, maxDelay: 3_600_000, maxAttempts: 48 }),
  })
  .strict()
  .superRefine((a, ctx) => {
    const names = new Set<string>();
    a.channels.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'name'], message: `"${c.name}" is used by another channel; names must be unique` });
      names.add(c.name);
    });
    (a.routes ?? []).forEach((r, i) =>
      r.channels.forEach((n, j) => {
        if (!names.has(n)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'channels', j], message: `no channel named "${n}"; known: ${[...names].join(', ')}` });
      }),
    );
  });
export type AlertsConfig = z.infer<typeof alertsConfig>;
