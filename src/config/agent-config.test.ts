import { describe, expect, it } from 'vitest';
import { parseConfigText } from './agent-config.ts';
import { ConfigError } from '../core/errors.ts';

const VALID = `
organisations:
  - id: acme
    name: Acme
    connectors:
      - type: m365
        id: m365-main
`;

function errorOf(text: string): ConfigError {
  try {
    parseConfigText(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills defaults a user need not write', () => {
    const c = parseConfigText(VALID);
    expect(c.store.path).toBe('./evidentia.db');
    expect(c.log.level).toBe('warn');
    expect(c.http.maxAttempts).toBe(5);
    expect(c.organisations[0]!.accounts).toEqual({ breakGlass: [], service: [], sharedMailbox: [] });
  });

  it.each([
    ['a missing organisations list', 'store: { path: x.db }', 'organisations', /is required/],
    ['a wrong type, naming what was got', VALID.replace('name: Acme', 'name: [1, 2]'), 'organisations[0].name', /expected string, got a list/],
    ['an unknown key, with a hint', `${VALID}\nstroe: { path: x }`, '(top level)', /unknown key "stroe"/],
    ['a bad id', VALID.replace('id: acme', 'id: Acme Ltd'), 'organisations[0].id', /lower-case letters/],
    ['duplicate connector ids', `${VALID}      - type: m365\n        id: m365-main\n`, 'organisations[0].connectors[1].id', /used by another connector/],
    ['a bad log level', `log: { level: loud }\n${VALID}`, 'log.level', /expected one of/i],
  ])('rejects %s with one line naming the key path', (_what, text, path, message) => {
    const e = errorOf(text);
    expect(e.path).toBe(path);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('\n');
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  it('reports YAML syntax errors with line and column', () => {
    const e = errorOf('organisations:\n  - id: acme\n   name: bad-indent\n');
    expect(e.message).toMatch(/not valid YAML/);
    expect(e.message).toMatch(/:\d+:\d+/);
  });

  it('resolves a relative store path against the config file folder', () => {
    const c = parseConfigText(VALID.replace('organisations:', 'store: { path: data/e.db }\norganisations:'), '/etc/evidentia/evidentia.yaml');
    expect(c.store.path).toBe('/etc/evidentia/data/e.db');
  });
});
