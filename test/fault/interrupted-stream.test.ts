import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Connector, Page } from '../../src/core/connector.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import { streamOutcome } from '../../src/core/stream-outcome.ts';
import { runCollection } from '../../src/collect/run-collection.ts';
import { createHttpContext } from '../../src/http/request-with-retry.ts';
import { createAccount, createSource } from '../../src/evaluate/test-factories.ts';
import { capturingLogger } from '../support/connector-harness.ts';
import { tempStore } from '../support/memory-store.ts';

/**
 * A stream cut off by SIGINT/SIGTERM is recorded as `interrupted`, not as a vendor failure: the
 * person reading the run must not go looking for an outage that never happened.
 */
const INSTANCE = 'slow';

function page(i: number): Page {
  return {
    request: { method: 'GET', url: `https://vendor.test/users?page=${i}` },
    status: 200,
    contentType: 'application/json',
    body: `{"page":${i}}`,
    receivedAt: '2026-11-20T09:00:00.000Z',
    entities: [createAccount({ source: createSource({ org: 'acme', connector: 'slow', instance: INSTANCE }), key: `u${i}`, username: `u${i}@acme.test` })],
    failures: [],
  };
}

/** Yields one page, then waits for the abort and fails the way an aborted fetch does. */
const slowConnector: Connector<unknown> = {
  id: 'slow',
  title: 'Slow',
  configSchema: z.unknown(),
  permissions: [],
  check: async () => [],
  streams: () => [
    {
      id: 'users',
      entity: 'account',
      title: 'users',
      async *read(ctx) {
        yield page(1);
        const aborted = () => new DOMException('This operation was aborted', 'AbortError');
        if (ctx.signal.aborted) throw aborted();
        await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(aborted())));
      },
    },
  ],
};

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => cleanup?.());

describe('a stream cut off by an interrupt', () => {
  it('is recorded as `interrupted` (not `transient`), keeps its page, and the run is interrupted', async () => {
    const t = await tempStore();
    cleanup = t.cleanup;
    const controller = new AbortController();
    const { log } = capturingLogger();
    const { run, outcomes } = await runCollection({
      store: t.store,
      org: 'acme',
      connectors: [{ connector: slowConnector, instance: INSTANCE, config: {}, disabledStreams: [] }],
      httpFor: () => createHttpContext({}),
      secrets: new SecretRegistry({}),
      log,
      signal: controller.signal,
      now: () => new Date('2026-11-20T09:00:00Z'),
      run: { toolVersion: 'test', configDigest: '0'.repeat(64), trigger: 'test' },
      onEvent: (e) => {
        if (e.type === 'page') controller.abort();
      },
    });
    expect(run.status, JSON.stringify(outcomes)).toBe('interrupted');
    const [users] = outcomes;
    expect(users).toMatchObject({ status: 'partial', pages: 1, records: 1 });
    expect(users!.failures).toEqual([expect.objectContaining({ kind: 'interrupted', detail: expect.stringContaining('interrupted') })]);
    expect(users!.failures.some((f) => f.kind === 'transient')).toBe(false);
  });

  it('outcomes stored before the kind existed still parse', () => {
    const old = { connector: 'm365', instance: 'm', stream: 'users', entity: 'account', status: 'partial', pages: 1, records: 5, failures: [{ kind: 'transient', detail: 'reading stopped: the run was interrupted' }], note: null, startedAt: 'x', finishedAt: 'y' };
    expect(streamOutcome.parse(old).failures[0]!.kind).toBe('transient');
  });
});
