import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../config/agent-config.ts';

const ORG = `organisations:
  - id: acme
    name: Acme
    connectors: [{ type: hr-csv, id: roster, file: roster.csv }]
`;

describe('alerts config', () => {
  it('accepts the README example as written', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Alerts'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const config = parseConfigText(`${ORG}${yaml}`);
    expect(config.alerts!.channels.map((c) => c.type)).toEqual(['slack', 'teams', 'webhook', 'email']);
    expect(config.alerts!.reminders.every).toBe(86_400_000);
    expect(config.alerts!.quietHours).toMatchObject({ from: '22:00', to: '07:00', timeZone: 'Europe/Berlin', bypass: 'high' });
  });

  it.each([
    ['a webhook URL written as text', `alerts:\n  channels: [{ name: s, type: slack, webhookUrl: "https://hooks.slack.com/services/T/B/x" }]`, /^alerts\.channels\[0\]\.webhookUrl: write a secret reference, \{ env: NAME \} or \{ file: \/path \}, never the secret itself in the config$/],
    ['a route naming an unknown channel', `alerts:\n  channels: [{ name: s, type: slack, webhookUrl: { env: S } }]\n  routes: [{ channels: [t] }]`, /^alerts\.routes\[0\]\.channels\[0\]: no channel named "t"; known: s$/],
    ['an unknown event type', `alerts:\n  channels: [{ name: s, type: slack, webhookUrl: { env: S } }]\n  routes: [{ events: [leaver], channels: [s] }]`, /^alerts\.routes\[0\]\.events\[0\]: /],
    ['a bad duration', `alerts:\n  channels: [{ name: s, type: slack, webhookUrl: { env: S } }]\n  reminders: { every: 1 day }`, /^alerts\.reminders\.every: a duration like 30s, 15m, 24h or 7d$/],
    ['an unknown time zone', `alerts:\n  channels: [{ name: s, type: slack, webhookUrl: { env: S } }]\n  quietHours: { from: "22:00", to: "07:00", timeZone: Mars/Base }`, /^alerts\.quietHours\.timeZone: an IANA time zone/],
    ['an SMTP password as text', `alerts:\n  channels: [{ name: m, type: email, host: smtp, username: u, password: hunter22, from: a@b.c, to: [d@e.f] }]`, /^alerts\.channels\[0\]\.password: /],
  ])('refuses %s with one line naming the key', (_what, yaml, message) => {
    expect(() => parseConfigText(`${ORG}${yaml}`)).toThrow(message);
  });
});
