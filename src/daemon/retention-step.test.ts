import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pruneCommand } from '../cli/commands/prune.ts';
import type { App } from '../run/app.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { outcome, page, USERS } from '../store/store-test-fixtures.ts';
import { silentLogger } from '../../test/support/silent-logger.ts';
import { tempStore } from '../../test/support/memory-store.ts';
import { pruneAfterRun, pruneAlertHistory, pruneCutoff } from './retention-step.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { testMessage } from '../alert/alert-message.ts';

const NOW = new Date('2026-11-04T00:00:00.000Z');

/** The daemon's retention step and `evidentia prune` draw the line in the same place. */
describe('retention cutoff', () => {
  let store: EvidenceStore;
  let cleanup: () => Promise<void>;
  let path: string;
  beforeEach(async () => {
    ({ store, cleanup, path } = await tempStore());
  });
  afterEach(async () => cleanup());

  async function seed(startedAt: string): Promise<void> {
    const run = await store.beginRun({ org: 'acme', startedAt, toolVersion: 't', configDigest: 'c', trigger: 'schedule' });
    await store.recordPage(run.id, page(USERS, 1, `{"value":[],"run":"${startedAt}"}`));
    await store.recordStreamOutcome(run.id, outcome(USERS));
    await store.finishRun(run.id, { finishedAt: startedAt, status: 'complete' });
  }

  it('is whole days before now: a run started exactly that long ago is kept, one a millisecond older is pruned, by either path', async () => {
    expect(pruneCutoff(NOW, 1).toISOString()).toBe('2026-11-03T00:00:00.000Z');
    await seed('2026-11-02T23:59:59.999Z');
    await seed('2026-11-03T00:00:00.000Z');
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const app = { store, config: { retention: {}, store: { path } } } as unknown as App;
    expect(await pruneCommand(app, { days: 1, json: true, now: () => NOW, out })).toBe(0);
    expect(JSON.parse(text)).toMatchObject({ blobsPruned: 1, olderThan: '2026-11-03T00:00:00.000Z' });
    // The daemon's step finds nothing more to prune on the same line.
    expect(await pruneAfterRun(store, { days: 1, now: NOW, log: silentLogger() })).toMatchObject({ blobsPruned: 0 });
    expect(await pruneAfterRun(store, { days: 1, now: new Date(NOW.getTime() + 1), log: silentLogger() })).toMatchObject({ blobsPruned: 1 });
  });

  it("the daemon's alert step deletes a delivery settled before the cutoff, on the evidence database's own file", async () => {
    const alerts = await openSqliteAlertStore(path);
    try {
      const old = '2026-08-01T00:00:00.000Z';
      const outbox = (at: string) => ({ findingId: null, org: 'acme', kind: 'test' as const, channel: 'slack', severity: 'low' as const, mode: 'single' as const, message: testMessage('slack', at), notBefore: at });
      await alerts.transition('acme', () => ({ findings: [], outbox: [outbox(old), outbox(NOW.toISOString())], events: [] }));
      const [first, second] = await alerts.listOutbox();
      await alerts.recordAttempt([first!.id], { ok: true, at: old });
      await alerts.recordAttempt([second!.id], { ok: true, at: NOW.toISOString() });
      expect(await pruneAlertHistory(path, { days: 90, now: NOW, log: silentLogger() })).toEqual({ deliveries: 1, attempts: 1, findings: 0 });
      expect((await alerts.listOutbox()).map((r) => r.id)).toEqual([second!.id]);
    } finally {
      await alerts.close();
    }
  });
});
