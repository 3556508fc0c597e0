import { Cron } from 'croner';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

/**
 * The `daemon:` and `retention:` blocks of the config. Only `evidentia daemon` (and `prune`) read
 * them; every other command ignores them, so a config without them stays valid.
 */

/** Every 4 hours: a 24-hour leaver limit is then always observed at least five times. */
export const DEFAULT_SCHEDULE = '0 */4 * * *';

/** A croner pattern (5 fields, or 6 with seconds), checked here so a typo fails at start, not at the first slot. */
/** One full run a day; the daemon's other runs are incremental. */
export const DEFAULT_FULL_EVERY = '0 2 * * *';

export const cronPattern = z.string().min(1).superRefine((pattern, ctx) => {
  try {
    new Cron(pattern, { paused: true, timezone: 'UTC' });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `"${pattern}" is not a cron expression (${e instanceof Error ? e.message : String(e)}); e.g. "0 */4 * * *" for every 4 hours` });
  }
});

const timezone = z.string().min(1).superRefine((tz, ctx) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${tz}" is not an IANA time zone; e.g. "UTC" or "Europe/Berlin"` });
  }
});

/** One organisation's own schedule, overriding the default. */
export const orgScheduleConfig = z
  .object({
    /** When this organisation is collected (all of its connectors, so each snapshot is complete). */
    cron: cronPattern,
  })
  .strict();

export const daemonConfig = z
  .object({
    /** When each organisation is collected unless `schedules` names it. @default "0 *\/4 * * *" */
    schedule: cronPattern.default(DEFAULT_SCHEDULE),
    /** Time zone the cron expressions are read in. @default "UTC" */
    timezone: timezone.default('UTC'),
    /**
     * Each run starts up to this many seconds after its slot (a random delay), so many Evidentia
     * installations do not hit a vendor API at the same second. @default 60
     */
    jitterSeconds: z.number().int().min(0).max(3600).default(60),
    /** How far past its next slot a run may be before `/healthz` calls it stale. @default 1800 */
    graceSeconds: z.number().int().min(0).default(1800),
    /**
     * Incremental collection: between full runs, the daemon's runs read only what changed where the
     * vendor allows it (Microsoft 365 users via Graph delta); every snapshot stays complete.
     */
    incremental: z
      .object({
        /** false: every run is a full read. @default true */
        enabled: z.boolean().default(true),
        /** When a full run is due (cron, in `timezone`): the first run after each slot is full. @default "0 2 * * *" (daily) */
        fullEvery: cronPattern.default(DEFAULT_FULL_EVERY),
      })
      .strict()
      .default({ enabled: true, fullEvery: DEFAULT_FULL_EVERY }),
    /** Per-organisation schedules by organisation id. */
    schedules: z.record(z.string(), orgScheduleConfig).default({}),
    http: z
      .object({
        /** @default "127.0.0.1": health and metrics stay on the machine unless you say otherwise. */
        host: z.string().min(1).default('127.0.0.1'),
        /** 0 picks a free port (tests). @default 9464 */
        port: z.number().int().min(0).max(65535).default(9464),
        /** false: no endpoint at all. @default true */
        enabled: z.boolean().default(true),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 9464, enabled: true }),
  })
  .strict();
export type DaemonConfig = z.infer<typeof daemonConfig>;

export const DAEMON_DEFAULTS: DaemonConfig = daemonConfig.parse({});

export const retentionConfig = z
  .object({
    /**
     * Raw page bodies used only by runs that started more than this many days ago are pruned after
     * each daemon run (hashes, manifests, entities and results are kept). Absent: kept forever.
     */
    rawPagesDays: z.number().int().min(1).optional(),
    /**
     * Alert messages delivered, given up or superseded more than this many days ago are deleted with their
     * attempts (and findings resolved that long ago), after each daemon run and by `prune`. Messages
     * still due and open findings are always kept. @default 90 (see `alertRetentionDays`)
     */
    alertDeliveriesDays: z.number().int().min(1).optional(),
  })
  .strict();
export type RetentionConfig = z.infer<typeof retentionConfig>;

/** Alert history is kept this many days unless `retention.alertDeliveriesDays` says otherwise. */
export const DEFAULT_ALERT_DELIVERIES_DAYS = 90;

/** The alert retention in effect (the default lives here, not in the schema: `retention:` itself defaults to `{}`). */
export function alertRetentionDays(retention: RetentionConfig): number {
  return retention.alertDeliveriesDays ?? DEFAULT_ALERT_DELIVERIES_DAYS;
}

/** A schedule for an organisation the config does not have is a typo that would silently never run. */
export function checkDaemonSchedules(daemon: DaemonConfig, orgIds: readonly string[]): void {
  for (const id of Object.keys(daemon.schedules)) {
    if (!orgIds.includes(id)) {
      throw new ConfigError(`daemon.schedules.${id}`, `no organisation has the id "${id}"; known: ${orgIds.join(', ')}`);
    }
  }
}

/** The cron pattern an organisation runs on. */
export function scheduleFor(daemon: DaemonConfig, org: string): string {
  return daemon.schedules[org]?.cron ?? daemon.schedule;
}
