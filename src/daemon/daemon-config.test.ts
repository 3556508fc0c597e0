import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../config/agent-config.ts';
import { checkDaemonSchedules, scheduleFor } from './daemon-config.ts';

const org = { id: 'acme', name: 'Acme', connectors: [{ type: 'hr-csv', id: 'hr', file: 'r.csv' }] };
const parse = (extra: object) => parseConfigText(stringify({ organisations: [org], ...extra }));

describe('daemon and retention config', () => {
  it('defaults to every 4 hours in UTC, 60 s jitter, the endpoint on 127.0.0.1, and keeping raw pages forever', () => {
    const c = parse({});
    expect(c.daemon).toMatchObject({ schedule: '0 */4 * * *', timezone: 'UTC', jitterSeconds: 60, http: { host: '127.0.0.1', port: 9464, enabled: true } });
    expect(c.retention.rawPagesDays).toBeUndefined();
    expect(scheduleFor(c.daemon, 'acme')).toBe('0 */4 * * *');
  });

  it('takes a per-organisation schedule over the default', () => {
    const c = parse({ daemon: { schedules: { acme: { cron: '30 */2 * * *' } } }, retention: { rawPagesDays: 30 } });
    expect(scheduleFor(c.daemon, 'acme')).toBe('30 */2 * * *');
    expect(c.retention.rawPagesDays).toBe(30);
  });

  it('rejects a bad cron expression with one line naming the key path', () => {
    expect(() => parse({ daemon: { schedule: 'every 4 hours' } })).toThrow(/^daemon\.schedule: "every 4 hours" is not a cron expression/);
    expect(() => parse({ daemon: { schedules: { acme: { cron: '61 * * * *' } } } })).toThrow(/^daemon\.schedules\.acme\.cron: /);
  });

  it('rejects an unknown time zone, a negative retention and an unknown key', () => {
    expect(() => parse({ daemon: { timezone: 'Mars/Olympus' } })).toThrow(/^daemon\.timezone: "Mars\/Olympus" is not an IANA time zone/);
    expect(() => parse({ retention: { rawPagesDays: 0 } })).toThrow(/^retention\.rawPagesDays: /);
    expect(() => parse({ daemon: { shedule: '0 * * * *' } })).toThrow(/^daemon: unknown key "shedule"/);
  });

  it('refuses a schedule for an organisation the config does not have', () => {
    const c = parse({ daemon: { schedules: { acmee: { cron: '0 * * * *' } } } });
    expect(() => checkDaemonSchedules(c.daemon, c.organisations.map((o) => o.id))).toThrow('daemon.schedules.acmee: no organisation has the id "acmee"; known: acme');
  });
});
