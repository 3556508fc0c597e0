import type { AgentConfig } from '../src/config/agent-config.ts';
import type { Entity } from '../src/core/model.ts';
import { evaluateStoredRun } from '../src/evaluate/evaluate-run.ts';
import type { EvidenceStore, StreamRef } from '../src/store/evidence-store.ts';
import type { ManifestPage } from '../src/store/sqlite/manifest.ts';
import { allRules } from '../rules/index.ts';

const HOUR_MS = 3_600_000;

export interface FillPlan {
  /** The demo run whose evidence every copy repeats. */
  sourceRunId: number;
  runs: number;
  everyHours: number;
  /** Start of the first copy (ISO). */
  start: string;
  /** Copies to leave out (a hole of missed runs) and to end as interrupted: gaps the export must show. */
  skip: (i: number) => boolean;
  interrupted: (i: number) => boolean;
}

/**
 * Repeats one collected demo run every `everyHours` through the store's own write API (pages,
 * entities, outcomes, sealing) and evaluates each copy with the real rules, as a year of
 * scheduled runs would leave the store. Bodies are identical, so the store keeps each once.
 */
export async function fillRuns(store: EvidenceStore, config: AgentConfig, plan: FillPlan, progress: (line: string) => void): Promise<number> {
  const source = await store.loadSnapshot(plan.sourceRunId);
  const manifest = JSON.parse((await store.getManifest(plan.sourceRunId))!) as { pages: ManifestPage[] };
  const bodies = new Map<string, string>();
  for (const p of manifest.pages) bodies.set(p.hash, Buffer.from((await store.readPageBody(p.hash))!).toString('utf8'));
  // Per stream through the store's own read (the entities of a run are kept as per-stream sets, so
  // the `entities` table alone may hold none of them).
  const byStream = new Map<string, { ref: StreamRef; entities: Entity[] }>();
  for (const o of source.outcomes) {
    const ref = { connector: o.connector, instance: o.instance, stream: o.stream };
    byStream.set(`${o.instance}/${o.stream}`, { ref, entities: await store.loadStreamEntities(plan.sourceRunId, o.instance, o.stream) });
  }
  const expected = source.entities.length;
  const copied = [...byStream.values()].reduce((n, g) => n + g.entities.length, 0);
  if (copied !== expected) throw new Error(`run ${plan.sourceRunId} has ${expected} entities but its streams give ${copied}; the copies would not repeat it`);
  let made = 0;
  const t0 = Date.parse(plan.start);
  for (let i = 0; i < plan.runs; i++) {
    if (plan.skip(i)) continue;
    const startedAt = new Date(t0 + i * plan.everyHours * HOUR_MS).toISOString();
    const run = await store.beginRun({ org: source.run.org, startedAt, toolVersion: source.run.toolVersion, configDigest: source.run.configDigest, trigger: 'schedule' });
    for (const p of manifest.pages) {
      await store.recordPage(run.id, { connector: p.connector, instance: p.instance, stream: p.stream, seq: p.seq, method: p.method, url: p.url, status: p.status, contentType: p.contentType, body: bodies.get(p.hash)!, receivedAt: startedAt });
    }
    for (const { ref, entities } of byStream.values()) await store.recordEntities(run.id, ref, entities);
    for (const o of source.outcomes) await store.recordStreamOutcome(run.id, { ...o, startedAt, finishedAt: startedAt });
    if (plan.interrupted(i)) {
      await store.finishRun(run.id, { finishedAt: startedAt, status: 'interrupted' });
      continue;
    }
    await store.finishRun(run.id, { finishedAt: new Date(Date.parse(startedAt) + 60_000).toISOString(), status: source.run.status === 'complete' ? 'complete' : 'partial' });
    await evaluateStoredRun(store, run.id, config, allRules, () => new Date(Date.parse(startedAt) + 61_000));
    made++;
    if (made % 100 === 0) progress(`${made} runs stored`);
  }
  return made;
}
