import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/agent-config.ts';
import { AgentError, ConfigError } from '../../src/core/errors.ts';
import { loadConnectorRegistry, type ConnectorRegistry } from '../../src/collect/connector-registry.ts';
import { validateConfigUpFront } from '../../src/run/validate-config.ts';
import { main } from '../../src/cli/main.ts';

/**
 * Property: whatever is wrong with a config, the answer is one ConfigError line that names where
 * (a key path, or file:line:col for YAML syntax) — never a stack trace, never another error type,
 * and through the CLI (`check`) exit code 2 with nothing created on disk. Configs are made by
 * breaking a valid one (every connector type, rules, exceptions, approved apps) at a random place.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const VALID: Json = {
  store: { path: 'fuzz.db' },
  log: { level: 'warn' },
  http: { maxAttempts: 3, timeoutMs: 5000, pacing: { 'graph-reports': { intervalCap: 4, intervalMs: 10000 } } },
  rules: { 'mfa-coverage': { threshold: 0.95 }, 'leaver-access': { hours: 24 } },
  organisations: [
    {
      id: 'acme',
      name: 'Acme Ltd',
      accounts: { breakGlass: ['bg@acme.com'], service: ['svc-*@acme.com'], sharedMailbox: [] },
      identity: { domainAliases: { 'acme.co.uk': 'acme.com' }, mappings: [] },
      exceptions: [{ rule: 'mfa-coverage', subject: 'kiosk-*@acme.com', reason: 'shared kiosks', approvedBy: 'ciso@acme.com', expires: '2027-01-31' }],
      approvedApps: [{ app: 'ChatGPT', owner: 'it@acme.com', purpose: 'drafting', dataAllowed: 'public', approvedBy: 'ciso@acme.com', reviewDate: '2027-06-30' }],
      connectors: [
        { type: 'm365', id: 'm365-main', tenantId: '00000000-0000-0000-0000-000000000000', clientId: '00000000-0000-0000-0000-000000000000', auth: { method: 'client_secret', secret: { env: 'FUZZ_SECRET' } } },
        { type: 'google-workspace', id: 'google', adminEmail: 'admin@acme.com', serviceAccountKey: { env: 'FUZZ_GOOGLE' } },
        { type: 'aws-iam', id: 'aws', accounts: [{ accountId: '111111111111', roleArn: 'arn:aws:iam::111111111111:role/EvidentiaAudit' }] },
        { type: 'hr-csv', id: 'roster', file: '/nonexistent/roster.csv', timezone: 'Europe/London' },
        { type: 'bamboohr', id: 'bamboo', subdomain: 'acme', apiKey: { env: 'FUZZ_BAMBOO' } },
      ],
    },
  ],
};

let registry: ConnectorRegistry;
let dir: string;
beforeAll(async () => {
  registry = await loadConnectorRegistry();
  dir = await mkdtemp(join(tmpdir(), 'evidentia-fuzz-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** Every path to a value in `v` (objects and arrays included). */
function paths(v: Json, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...at, k]));
  return out;
}

type Mutation = { kind: 'replace'; value: Json } | { kind: 'delete' } | { kind: 'add'; key: string; value: Json };

function mutate(base: Json, path: (string | number)[], m: Mutation): Json {
  const copy = structuredClone(base);
  if (path.length === 0) return m.kind === 'replace' ? m.value : copy;
  if (copy === null || typeof copy !== 'object') return copy; // an earlier mutation replaced the whole document
  let parent = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) {
    const next = parent[p];
    if (next === null || typeof next !== 'object') return copy; // an earlier mutation removed the way there
    parent = next as Record<string | number, Json>;
  }
  const last = path[path.length - 1]!;
  if (m.kind === 'replace') parent[last] = m.value;
  else if (m.kind === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, Json>)[m.key] = m.value;
    else parent[last] = { [m.key]: m.value };
  }
  return copy;
}

const oddString = fc.oneof(
  fc.string(),
  fc.constantFrom('', ' ', '\u0000', 'a\nb', '\u202Eevil', 'zero\u200Bwidth', '👩‍💻', 'e\u0301', '{{x}}', '${HOME}', '../../etc/passwd', 'x'.repeat(5000)),
);
const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, Number.NaN)),
    oddString,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(oddString, tie('v'), { maxKeys: 3 }),
  ),
})).v;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), value: jsonValue }),
  fc.constant({ kind: 'delete' as const }),
  fc.record({ kind: fc.constant('add' as const), key: oddString, value: jsonValue }),
);
const ALL_PATHS = paths(VALID);

/** A broken config: one structural mutation, or the YAML text cut or spliced. */
const brokenConfigText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(fc.constantFrom(...ALL_PATHS), mutation).map(([p, m]) => stringify(mutate(VALID, p, m))),
  fc.tuple(fc.constantFrom(...ALL_PATHS), mutation, fc.constantFrom(...ALL_PATHS), mutation).map(([p, m, q, n]) => stringify(mutate(mutate(VALID, p, m), q, n))),
  fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 5 })).map(([at, junk]) => {
    const text = stringify(VALID);
    const i = at % text.length;
    return text.slice(0, i) + junk + text.slice(i);
  }),
  fc.nat().map((at) => stringify(VALID).slice(0, at % stringify(VALID).length)),
);

/** `null` when the config is valid; else the error it raised. */
function validate(text: string): unknown {
  try {
    validateConfigUpFront(parseConfigText(text, join(dir, 'fuzz.yaml')), registry);
    return null;
  } catch (e) {
    return e;
  }
}

function assertOneLineWithPath(e: unknown): void {
  expect(e, String((e as Error)?.stack)).toBeInstanceOf(ConfigError);
  const err = e as ConfigError;
  expect(err.message).not.toMatch(/[\n\r\u2028\u2029]/);
  expect(err.message.length, err.message.slice(0, 300)).toBeLessThan(1000);
  // Where: a key path, or the file:line:col of a YAML syntax error.
  if (err.path === '') expect(err.message).toMatch(/fuzz\.yaml(:\d+:\d+)?: not valid YAML/);
  else expect(err.message.startsWith(`${err.path}: `)).toBe(true);
}

describe('config fuzzing', () => {
  it('the base config is valid (so every failure below comes from the mutation)', () => {
    expect(validate(stringify(VALID))).toBeNull();
  });

  it('every invalid config is one ConfigError line naming where', () => {
    fc.assert(
      fc.property(brokenConfigText, (text) => {
        const e = validate(text);
        if (e === null) return; // the mutation happened to keep it valid
        assertOneLineWithPath(e);
      }),
      // `npm run test:stress` explores far more configs, from a fresh seed each time (printed on failure).
      process.env.EVIDENTIA_STRESS === '1' ? { numRuns: 5000 } : { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 7) },
    );
  });

  it.each([
    ['an alias to no anchor (found by this fuzzer)', 'store: { path: *fuzz.db }\norganisations: []\n'],
    ['an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n`],
  ])('%s is a one-line YAML error, not a crash', (_what, text) => {
    assertOneLineWithPath(validate(text));
  });

  it('through the CLI: `check` exits 2 with exactly one line on stderr, no stack, and creates no store', async () => {
    const samples = fc.sample(brokenConfigText.filter((t) => validate(t) !== null), { numRuns: 25, seed: 11 });
    for (const [i, text] of samples.entries()) {
      const file = join(dir, `cli-${i}.yaml`);
      await writeFile(file, text);
      let out = '';
      let err = '';
      const sink = (append: (s: string) => void) => new Writable({ write: (c: Buffer, _e, cb) => (append(c.toString()), cb()) });
      const code = await main(['check', '-c', file], { stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
      expect(code, err).toBe(2);
      expect(err.trim().split('\n'), err).toHaveLength(1);
      expect(err).not.toMatch(/\bat .*\.ts:\d+/);
      expect(out).toBe('');
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.db'))).toEqual([]);
  }, 60_000);
});
