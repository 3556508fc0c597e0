import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { allRules } from '../../rules/index.ts';
import { GLOBAL_ADMIN_TEMPLATE } from '../../rules/privileged-count.ts';
import { createApp, createAppGrant } from '../../rules/ai-catalog/app-factories.ts';
import { parseConfigText, type AgentConfig } from '../config/agent-config.ts';
import type { Entity, EntityKind } from '../core/model.ts';
import { evaluateStoredRun } from '../evaluate/evaluate-run.ts';
import { createAccount, createMfa, createRoleAssignment } from '../evaluate/test-factories.ts';
import { recordM365Streams } from '../../test/support/seed-run.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { readPackage } from './package-reader.ts';
import { initSigningKeys, loadSigningKey, type SigningKey } from './signing-keys.ts';
import { writeExportPackage, type ExportSummary, type PdfRenderer } from './write-package.ts';

/**
 * Test-only: a real SQLite store with a few sealed, evaluated runs of one organisation, an
 * interrupted run, a run without the MFA stream (not evaluable), an exception, and a display name
 * that is hostile HTML. Nothing outside `*.test.ts` imports this file.
 */
export const HOSTILE_NAME = '<script>alert("pwned")</script><img src=x onerror=alert(1)>';
export const PERIOD = { from: '2026-09-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
const LEFT_AT = '2026-09-29T09:00:00.000Z';

const CONFIG = (storePath: string) => `
store: { path: ${JSON.stringify(storePath)} }
organisations:
  - id: contoso
    name: Contoso
    connectors:
      - type: m365
        id: m365-main
    exceptions:
      - rule: mfa-coverage
        subject: cy@contoso.com
        reason: hardware token on order
        approvedBy: ciso@contoso.com
        expires: '2030-12-31'
`;

const claude = createApp({ key: 'sp-claude', displayName: 'Claude', publisher: { name: 'Anthropic, PBC', verifiedId: '6725518' }, homepage: 'https://claude.ai' });

async function addRun(store: EvidenceStore, config: AgentConfig, spec: { startedAt: string; leeEnabled: boolean; noMfa?: boolean; interrupted?: boolean }): Promise<number> {
  const run = await store.beginRun({ org: 'contoso', startedAt: spec.startedAt, toolVersion: '0.1.0', configDigest: 'c'.repeat(64), trigger: 'test' });
  const users = ['ann', 'bob', 'cy'].map((n) => createAccount({ key: `u-${n}`, username: `${n}@contoso.com`, displayName: n === 'cy' ? HOSTILE_NAME : n }));
  const lee = createAccount({ key: 'u-lee', username: 'lee@contoso.com', displayName: HOSTILE_NAME, enabled: spec.leeEnabled, leaveDate: LEFT_AT });
  const streams: [EntityKind, Entity[]][] = [
    ['account', [...users, lee]],
    ['role_assignment', ['ann', 'bob'].map((u) => createRoleAssignment({ key: `ga-${u}`, principalKey: `u-${u}`, principalName: `${u}@contoso.com`, roleId: GLOBAL_ADMIN_TEMPLATE, roleName: 'Global Administrator' }))],
    ['app', [claude]],
    ['app_grant', [createAppGrant({ key: 'g-claude-ann', appKey: claude.key, principalKey: 'u-ann', scopes: ['User.Read', 'Mail.Read'] })]],
  ];
  if (!spec.noMfa) streams.push(['mfa', [...users, lee].map((a) => createMfa({ key: `mfa-${a.key}`, accountKey: a.key, registered: a.key !== 'u-cy' && a.key !== 'u-bob' }))]);
  await recordM365Streams(store, run, streams);
  if (spec.interrupted) {
    await store.finishRun(run.id, { finishedAt: spec.startedAt, status: 'interrupted' });
    return run.id;
  }
  await store.finishRun(run.id, { finishedAt: spec.startedAt, status: 'complete' });
  await evaluateStoredRun(store, run.id, config, allRules, () => new Date(spec.startedAt));
  return run.id;
}

export interface ExportFixture {
  dir: string;
  /** The fixture's open store, for tests that add to it (a later evaluation, tampering). */
  store: EvidenceStore;
  storePath: string;
  configFile: string;
  config: AgentConfig;
  keyDir: string;
  key: SigningKey;
  runIds: number[];
  /** Writes a package of the fixture's period to `out` (a folder, or a .zip). */
  exportTo(out: string, opts?: { pdf?: PdfRenderer; period?: { from: string; to: string } }): Promise<ExportSummary>;
  cleanup(): Promise<void>;
}

export async function buildExportFixture(): Promise<ExportFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'evidentia-export-'));
  const storePath = join(dir, 'evidence.db');
  const configFile = join(dir, 'evidentia.yaml');
  await writeFile(configFile, CONFIG(storePath));
  const config = parseConfigText(CONFIG(storePath), configFile);
  const store = await openSqliteStore(storePath);
  const runIds = [
    await addRun(store, config, { startedAt: '2026-08-30T09:00:00.000Z', leeEnabled: true }),
    await addRun(store, config, { startedAt: '2026-09-28T09:00:00.000Z', leeEnabled: true }),
    await addRun(store, config, { startedAt: '2026-09-30T09:00:00.000Z', leeEnabled: true }),
    await addRun(store, config, { startedAt: '2026-09-30T13:00:00.000Z', leeEnabled: true, interrupted: true }),
    await addRun(store, config, { startedAt: '2026-10-01T09:00:00.000Z', leeEnabled: false }),
    await addRun(store, config, { startedAt: '2026-10-06T09:00:00.000Z', leeEnabled: false, noMfa: true }),
  ];
  const keyDir = join(dir, 'keys');
  await initSigningKeys(keyDir);
  const key = await loadSigningKey(keyDir);
  return {
    dir,
    store,
    storePath,
    configFile,
    config,
    keyDir,
    key,
    runIds,
    exportTo: (out, { period = PERIOD, ...opts } = {}) =>
      writeExportPackage({ store, org: config.organisations[0]!, period, out, now: () => new Date('2026-11-20T12:00:00.000Z'), toolVersion: '0.1.0', configDigest: 'd'.repeat(64), key, log: pino({ level: 'silent' }), ...opts }),
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ExportedFixture extends ExportFixture {
  /** The package of the fixture's period, written once to `<dir>/package`. */
  out: string;
  /** A fresh copy of that package in `<dir>/<name>`, for a test to tamper with. */
  copy(name: string): Promise<string>;
}

/** The fixture exported once, as most export tests start. */
export async function buildExportedFixture(): Promise<ExportedFixture> {
  const fx = await buildExportFixture();
  const out = join(fx.dir, 'package');
  await fx.exportTo(out);
  return { ...fx, out, copy: (name) => copyPackage(out, join(fx.dir, name)) };
}

/** A fresh folder copy of the package folder `from`, for a test to tamper with. */
export async function copyPackage(from: string, to: string): Promise<string> {
  await rm(to, { recursive: true, force: true });
  await mkdir(to);
  for (const p of (await readPackage(from)).paths) {
    await mkdir(join(to, p, '..'), { recursive: true });
    await writeFile(join(to, p), await readFile(join(from, p)));
  }
  return to;
}
