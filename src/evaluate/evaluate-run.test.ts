import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allRules } from '../../rules/index.ts';
import { createApp, createAppGrant } from '../../rules/ai-catalog/app-factories.ts';
import { parseConfigText } from '../config/agent-config.ts';
import type { Entity, EntityKind } from '../core/model.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { evaluateStoredRun } from './evaluate-run.ts';
import { createAccount, createOutcome } from './test-factories.ts';

const AT = '2026-11-20T09:00:00.000Z';

/** Approves ChatGPT with an owner, and adds an in-house AI app to the catalog in config. */
const CONFIG = `
store: { path: ":memory:" }
rules:
  shadow-ai:
    extraApps:
      - { id: acme-assistant, name: Acme Assistant, vendor: Acme, category: assistant, match: { domains: [acme.example] } }
organisations:
  - id: contoso
    name: Contoso
    connectors:
      - { type: m365, id: m365-main }
    approvedApps:
      - { app: chatgpt, owner: it-lead@contoso.com, purpose: drafting, dataAllowed: internal, approvedBy: ciso@contoso.com, reviewDate: '2030-12-31' }
`;

describe('evaluateStoredRun', () => {
  let store: EvidenceStore;
  beforeEach(async () => {
    store = await openSqliteStore(':memory:');
  });
  afterEach(async () => store.close());

  it('stores the inventories with the evaluation, judging apps with the same catalog and register as shadow-ai', async () => {
    const config = parseConfigText(CONFIG);
    const run = await store.beginRun({ org: 'contoso', startedAt: AT, toolVersion: '0.1.0', configDigest: 'c'.repeat(64), trigger: 'test' });
    const chatgpt = createApp({ key: 'sp-chatgpt', displayName: 'ChatGPT', publisher: { name: 'OpenAI', verifiedId: '6263142' } });
    const acme = createApp({ key: 'sp-acme', displayName: 'Acme Assistant', homepage: 'https://assistant.acme.example' });
    const streams: [EntityKind, Entity[]][] = [
      ['account', [createAccount({ key: 'u-ann', username: 'ann@contoso.com' })]],
      ['app', [chatgpt, acme]],
      ['app_grant', [createAppGrant({ appKey: 'sp-chatgpt', principalKey: 'u-ann', scopes: ['Mail.Read'] }), createAppGrant({ appKey: 'sp-acme', principalKey: 'u-ann', scopes: ['Files.Read'] })]],
    ];
    for (const [entity, entities] of streams) {
      const ref = { connector: 'm365', instance: 'm365-main', stream: entity };
      await store.recordPage(run.id, { ...ref, seq: 1, method: 'GET', url: `https://graph.example.test/${entity}`, status: 200, contentType: 'application/json', body: `{"${entity}":1}`, receivedAt: AT });
      await store.recordEntities(run.id, ref, entities.map((e) => ({ ...e, source: { ...e.source, org: 'contoso' } })));
      await store.recordStreamOutcome(run.id, createOutcome({ ...ref, entity, records: entities.length }));
    }
    await store.finishRun(run.id, { finishedAt: AT, status: 'complete' });

    const evaluation = await evaluateStoredRun(store, run.id, config, allRules, () => new Date(AT));
    const inv = await store.loadInventories(evaluation.id);
    expect(inv).toMatchObject({ org: 'contoso', runId: run.id, asOf: AT });
    expect(inv!.apps.rows.map((r) => [r.appName, r.aiCatalogId, r.approved, r.owner, r.grantedBy])).toEqual([
      ['Acme Assistant', 'acme-assistant', false, null, 'ann@contoso.com'],
      ['ChatGPT', 'chatgpt', true, 'it-lead@contoso.com', 'ann@contoso.com'],
    ]);
    const shadow = evaluation.results.find((r) => r.ruleId === 'shadow-ai')!;
    expect(shadow.subjects.filter((s) => s.status === 'fail').map((s) => s.ref)).toEqual(['ai-app:acme-assistant']);
    expect(inv!.accounts.rows.map((r) => r.key)).toEqual(['u-ann']);
    expect((await store.verify()).ok).toBe(true);
  });
});
