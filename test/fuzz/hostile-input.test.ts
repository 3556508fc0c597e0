import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connector } from '../../src/core/connector.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import { runCollection } from '../../src/collect/run-collection.ts';
import type { EvidenceStore } from '../../src/store/evidence-store.ts';
import { renderRosterCsv } from '../../fixtures/hr-csv/index.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { HR_CSV, rosterRow } from '../../connectors/hr-csv/hr-csv-test-harness.ts';
import { closeDoubles, configFor, M365, SECRET_ENV, sharedTls, startDouble } from '../../connectors/m365/m365-test-harness.ts';
import { recordingHttp } from '../support/connector-harness.ts';
import { silentLogger } from '../support/silent-logger.ts';
import { tempStore } from '../support/memory-store.ts';
import { startFaultProxy } from '../fault/fault-proxy.ts';

/**
 * Hostile and broken input never costs evidence already stored: malformed rosters (fast-check),
 * odd Unicode (RTL override, zero-width, NUL, emoji, combining marks), a 1 MB display name and
 * users with fields missing, each run into the same store. After every bad run: verify passes,
 * and every earlier sealed run's manifest is byte for byte what it was.
 */
let store: EvidenceStore;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempStore({ preferTmpfs: true, prefix: 'evidentia-hostile-' });
  store = t.store;
  dir = t.dir;
  cleanup = t.cleanup;
});
afterAll(async () => {
  await closeDoubles();
  await cleanup();
});

async function collectOnce(connector: Connector<unknown>, instance: string, config: Record<string, unknown>, env: Record<string, string> = {}, ca?: string) {
  return runCollection({
    store,
    org: 'acme',
    connectors: [{ connector, instance, config: connector.configSchema.parse(config), disabledStreams: [] }],
    httpFor: () => recordingHttp({ ...(ca ? { ca } : {}), pacing: { 'graph-signin': { intervalCap: 1000, intervalMs: 1000 }, 'graph-reports': { intervalCap: 1000, intervalMs: 1000 } } }, 1000).http,
    secrets: new SecretRegistry(env),
    log: silentLogger(),
    signal: new AbortController().signal,
    now: () => new Date(),
    run: { toolVersion: 'test', configDigest: '0'.repeat(64), trigger: 'test' },
  });
}

async function manifests(): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const r of await store.listRuns({ limit: 10_000 })) {
    const m = await store.getManifest(r.id);
    if (m !== null) out.set(r.id, m);
  }
  return out;
}

async function expectNothingLost(before: Map<number, string>): Promise<void> {
  const report = await store.verify();
  expect(report.ok, report.message).toBe(true);
  const after = await manifests();
  for (const [id, m] of before) expect(after.get(id), `run ${id}'s manifest`).toBe(m);
}

const ODD = ['\u202Eevil\u202C', 'zero\u200B\u200Dwidth', 'nul\u0000byte', '👩‍💻🏳️‍🌈', 'Zoe\u0301 e\u0301\u0327', '\uFEFFbom', 'tab\tand\r\nnewline', '"quoted, comma"', '\uD800lone'];

describe('hostile input keeps stored evidence intact', () => {
  it('a good roster first, then fast-check rosters (broken CSV, odd Unicode): every run is recorded, nothing earlier changes', async () => {
    const good = join(dir, 'good.csv');
    await writeFile(good, renderRosterCsv([rosterRow(), rosterRow({ employee_id: 'E2', work_email: 'bo@contoso.com', display_name: ODD.join(' ') })]));
    const first = await collectOnce(HR_CSV, 'roster', { file: good, timezone: 'UTC' });
    expect(first.run.status).toBe('complete');

    const cell = fc.oneof(fc.string(), fc.constantFrom(...ODD), fc.constantFrom('"', '""', '\n', ',', ';', '\u0000'));
    const roster = fc.array(fc.array(cell, { minLength: 1, maxLength: 8 }), { minLength: 0, maxLength: 6 }).map((rows) =>
      ['employee_id,work_email,display_name,status,hire_date,termination_date', ...rows.map((r) => r.join(','))].join(fc.sample(fc.constantFrom('\n', '\r\n', '\r'), 1)[0]),
    );
    const samples = fc.sample(roster, { numRuns: 15, seed: 3 });
    for (const [i, text] of samples.entries()) {
      const before = await manifests();
      const file = join(dir, `bad-${i}.csv`);
      await writeFile(file, text);
      const { run, outcomes } = await collectOnce(HR_CSV, 'roster', { file, timezone: 'UTC' });
      expect(['complete', 'partial', 'failed']).toContain(run.status);
      // The roster is kept byte for byte as the run's page, whatever it holds.
      if (outcomes[0]!.pages > 0) {
        const snap = await store.loadSnapshot(run.id);
        const [hash] = Object.values(snap.pageHashes).flat();
        expect(Buffer.from((await store.readPageBody(hash!))!).equals(await readFile(file))).toBe(true);
      }
      await expectNothingLost(before);
    }
  }, 60_000);

  it('Graph users with a 1 MB display name, odd Unicode and missing fields: the name is kept whole, the broken records are recorded, nothing earlier changes', async () => {
    const d = await startDouble({ tenant: generateTenant({ users: 30, seed: 5 }), quirks: { pageSizeCap: 10 } });
    const huge = `${'Ω'.repeat(500_000)}`; // 1 MB of UTF-8
    const proxy = await startFaultProxy({
      target: d.graphBaseUrl,
      tls: { ...(await sharedTls()), ca: d.ca },
      rules: [
        {
          match: (_m, p) => p.startsWith('/v1.0/users?'),
          times: 1,
          action: {
            kind: 'body',
            body: (b) => {
              const page = JSON.parse(b) as { value: Record<string, unknown>[] };
              page.value[0]!.displayName = huge;
              page.value[1]!.displayName = ODD.join('|');
              delete page.value[2]!.userPrincipalName;
              delete page.value[3]!.accountEnabled;
              return JSON.stringify(page);
            },
          },
        },
      ],
    });
    try {
      const before = await manifests();
      const config = { ...configFor(d), endpoints: { graph: proxy.origin, authority: d.authorityHost } };
      const { run, outcomes } = await collectOnce(M365, 'm365-hostile', config, { [SECRET_ENV]: d.clientSecret }, d.ca);
      const users = outcomes.find((o) => o.stream === 'users')!;
      expect(users.status, JSON.stringify(users.failures)).toBe('partial');
      expect(users.failures.some((f) => f.kind === 'invalid')).toBe(true);
      const snap = await store.loadSnapshot(run.id);
      const accounts = snap.entities.filter((e) => e.kind === 'account') as { displayName: string }[];
      expect(accounts.some((a) => a.displayName === huge)).toBe(true);
      await expectNothingLost(before);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
