import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { allRules } from '../rules/index.ts';
import { loadConnectorRegistry } from '../src/collect/connector-registry.ts';
import { EXIT } from '../src/cli/exit-codes.ts';

/** The README is the user's manual: these checks keep it true as code changes. */
describe('README', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

  it('starts with the two commands a newcomer needs', () => {
    const first = readme.slice(0, readme.indexOf('## Promises'));
    expect(first).toContain('npm ci && npm run demo');
    expect(first).toContain('npm test');
  });

  it('lists every permission and licence of every connector, with whether it is required', async () => {
    for (const connector of (await loadConnectorRegistry()).values()) {
      for (const p of connector.permissions) {
        const row = readme.split('\n').find((l) => l.startsWith(`| \`${p.name}\``) || l.startsWith(`| ${p.name} `));
        expect(row, `${connector.id}: ${p.name}`).toBeDefined();
        expect(row).toContain(p.required ? 'required' : 'optional');
        for (const s of p.streams) expect(row).toContain(s);
      }
    }
  });

  it('documents every rule with its Annex A controls', () => {
    for (const rule of allRules) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`${rule.id}\``));
      expect(row, rule.id).toBeDefined();
      for (const c of rule.controls.filter((x) => x.startsWith('ISO27001:2022/'))) expect(row, `${rule.id} ${c}`).toContain(c.replace('ISO27001:2022/', ''));
    }
  });

  it('documents every exit code', () => {
    for (const [name, code] of Object.entries(EXIT)) expect(readme, name).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('documents the daemon: its commands, config keys, endpoints, metrics and exit on a signal', () => {
    for (const cmd of ['daemon', 'prune']) expect(readme, cmd).toMatch(new RegExp(`^\\| \`evidentia ${cmd}[ \`]`, 'm'));
    const section = readme.slice(readme.indexOf('## Running as a service'), readme.indexOf('## Development'));
    for (const key of ['schedule:', 'timezone:', 'jitterSeconds:', 'graceSeconds:', 'schedules:', 'http:', 'rawPagesDays:', '/healthz', '/metrics', 'SIGTERM', '130', 'SuccessExitStatus=130', 'evidentia_alert_deliveries_total']) {
      expect(section, key).toContain(key);
    }
  });

  it('documents incremental collection: the flag, the daemon keys, what an incremental run stores', () => {
    const section = readme.slice(readme.indexOf('## Incremental collection'), readme.indexOf('## Development'));
    for (const key of ['--incremental', 'fullEvery:', 'enabled:', '@removed', 'syncStateNotFound', 'derivedFrom', '7 days', 'Sign-in activity']) expect(section, key).toContain(key);
  });
});
