import type { Entity, EntityKind } from '../../src/core/model.ts';
import { createOutcome } from '../../src/evaluate/test-factories.ts';
import type { StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { EvidenceStore, RunRecord } from '../../src/store/evidence-store.ts';

/**
 * Writes one sealed run through the real store API, as the collector would: for each outcome, the
 * entities of its instance and kind, then the outcome; sealed `complete` when every stream is, else `partial`.
 */
export async function seedRun(store: EvidenceStore, org: string, startedAt: string, entities: readonly Entity[], outcomes: readonly StreamOutcome[]): Promise<RunRecord> {
  const run = await store.beginRun({ org, startedAt, toolVersion: 'test', configDigest: 'test', trigger: 'test' });
  for (const o of outcomes) {
    const mine = entities.filter((e) => e.source.instance === o.instance && e.kind === o.entity);
    // Rules refuse to pass without raw pages behind the result, so each stream gets its page.
    const body = JSON.stringify({ value: mine.map((e) => e.key) });
    await store.recordPage(run.id, { connector: o.connector, instance: o.instance, stream: o.stream, seq: 1, method: 'GET', url: `https://vendor.example/${o.instance}/${o.stream}`, status: 200, contentType: 'application/json', body, receivedAt: startedAt });
    if (mine.length > 0) await store.recordEntities(run.id, { connector: o.connector, instance: o.instance, stream: o.stream }, mine);
    await store.recordStreamOutcome(run.id, { ...o, records: mine.length, startedAt, finishedAt: startedAt });
  }
  const status = outcomes.every((o) => o.status === 'complete') ? 'complete' : 'partial';
  return store.finishRun(run.id, { finishedAt: startedAt, status });
}

/**
 * Records streams of the Microsoft 365 instance `m365-main` into a running run of `org`, one per
 * entity kind, as the collector would: its page (unique to the run's start), its entities, its
 * outcome (complete unless `outcome` says otherwise). Sealing and evaluating stay with the caller.
 */
export async function recordM365Streams(
  store: EvidenceStore,
  run: { id: number; org: string; startedAt: string },
  streams: readonly (readonly [EntityKind, readonly Entity[], Partial<StreamOutcome>?])[],
): Promise<void> {
  for (const [entity, entities, outcome] of streams) {
    const ref = { connector: 'm365', instance: 'm365-main', stream: entity };
    // Rules refuse to pass without raw pages behind the result, so each stream gets its page.
    const body = JSON.stringify({ value: entities.map((e) => e.key), at: run.startedAt });
    await store.recordPage(run.id, { ...ref, seq: 1, method: 'GET', url: `https://graph.example.test/${entity}`, status: 200, contentType: 'application/json', body, receivedAt: run.startedAt });
    await store.recordEntities(run.id, ref, entities.map((e) => ({ ...e, source: { ...e.source, org: run.org } })));
    await store.recordStreamOutcome(run.id, createOutcome({ ...ref, entity, records: entities.length, startedAt: run.startedAt, finishedAt: run.startedAt, ...outcome }));
  }
}
