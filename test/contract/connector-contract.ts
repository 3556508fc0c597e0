import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import type { Connector, Page } from '../../src/core/connector.ts';
import { entity as entitySchema, type Entity } from '../../src/core/model.ts';
import { SecretRegistry } from '../../src/core/secrets.ts';
import { createHttpContext } from '../../src/http/request-with-retry.ts';
import { createConnectorContext } from '../../src/collect/connector-context.ts';
import { failureKindOf } from '../../src/collect/stream-outcome-builder.ts';
import type { ResolvedConnector } from '../../src/collect/connector-registry.ts';
import { silentLogger } from '../support/silent-logger.ts';

/** What a connector's test double hands the contract suite. */
export interface ContractTarget {
  /** The connector block as a user would write it (without `type`/`id`), pointing at the double. */
  config: Record<string, unknown>;
  /** Environment the secret refs in `config` read from. */
  env: Record<string, string>;
  /** Extra CA to trust (HTTPS doubles). */
  ca: string | null;
  close(): Promise<void>;
}

export interface ContractOptions {
  connector: Connector<unknown>;
  /** Starts a healthy double (every permission granted, licensed, no faults). */
  start(): Promise<ContractTarget>;
  /** Starts a double that refuses every data call for lack of permission. */
  startDenied(): Promise<ContractTarget>;
}

interface ReadResult {
  pages: Map<string, Page[]>;
  /** Errors thrown by streams (a stream may legitimately stop by throwing StreamNotApplicable). */
  errors: Map<string, unknown>;
}

/** The context a connector gets from the collector, pointed at the target double. */
function contractContext(connector: Connector<unknown>, target: ContractTarget, now: () => Date) {
  const config = connector.configSchema.parse(target.config);
  const rc: ResolvedConnector = { connector, instance: 'contract', config, disabledStreams: [] };
  return createConnectorContext(rc, {
    org: 'contract-org',
    http: createHttpContext({ ca: target.ca, sleep: async () => {} }),
    secrets: new SecretRegistry(target.env),
    log: silentLogger(),
    signal: new AbortController().signal,
    now,
  });
}

async function readAll(connector: Connector<unknown>, target: ContractTarget): Promise<ReadResult> {
  const { ctx, dispose } = contractContext(connector, target, () => new Date('2026-11-20T10:00:00Z'));
  const out = new Map<string, Page[]>();
  const errors = new Map<string, unknown>();
  try {
    for (const stream of connector.streams(ctx)) {
      const pages: Page[] = [];
      try {
        for await (const p of stream.read(ctx)) pages.push(p);
      } catch (e) {
        errors.set(stream.id, e);
      }
      out.set(stream.id, pages);
    }
  } finally {
    await dispose();
  }
  return { pages: out, errors };
}

/**
 * The suite every connector runs against its own test double (Hono-style shared contract). A skip
 * must state its reason in the connector's test file.
 */
export function runConnectorContract(opts: ContractOptions): void {
  const { connector } = opts;

  describe(`connector contract: ${connector.id}`, () => {
    it('declares itself completely: streams unique, every permission names real streams, config schema strict', () => {
      expect(connector.id).toMatch(/^[a-z0-9-]+$/);
      expect(connector.title.length).toBeGreaterThan(0);
      const fakeCtx = { config: {}, defer: () => {} } as never;
      const ids = connector.streams(fakeCtx).map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(connector.permissions.length).toBeGreaterThan(0);
      for (const p of connector.permissions) {
        expect(p.why.length, `permission ${p.name} says why`).toBeGreaterThan(10);
        for (const s of p.streams) expect(ids, `permission ${p.name} names stream ${s}`).toContain(s);
      }
      expect(connector.configSchema.safeParse({}).success).toBe(false);
    });

    describe('against a healthy double', () => {
      let target: ContractTarget;
      let pages: Map<string, Page[]>;
      let errors: Map<string, unknown>;
      beforeAll(async () => {
        target = await opts.start();
        const read = await readAll(connector, target);
        pages = read.pages;
        errors = read.errors;
      });
      afterAll(async () => target?.close());

      it('accepts the config a user would write and refuses it with an unknown key (strict schema)', () => {
        // Checked here, with a valid config: an unknown key added to `{}` fails for the missing keys anyway.
        expect(connector.configSchema.safeParse(target.config).success).toBe(true);
        expect(connector.configSchema.safeParse({ ...target.config, notAKey: 1 }).success).toBe(false);
      });

      it('reads every stream without failures, each page keeping its raw body', () => {
        expect([...errors].map(([id, e]) => `${id}: ${String(e)}`)).toEqual([]);
        for (const [id, ps] of pages) {
          expect(ps.length, `stream ${id} yields pages`).toBeGreaterThan(0);
          for (const p of ps) {
            expect(p.failures, `stream ${id} page ${p.request.url}`).toEqual([]);
            expect(p.status).toBeGreaterThanOrEqual(200);
            expect(p.status).toBeLessThan(300);
            expect(p.body.length).toBeGreaterThan(0);
          }
        }
      });

      it('maps every record into a valid entity of its stream kind, with source and unique keys', () => {
        const streams = new Map(connector.streams({ config: {}, defer: () => {} } as never).map((s) => [s.id, s]));
        const keys = new Set<string>();
        let total = 0;
        for (const [id, ps] of pages) {
          const entities: Entity[] = ps.flatMap((p) => p.entities);
          total += entities.length;
          for (const e of entities) {
            expect(entitySchema.safeParse(e).success, `${id}: ${JSON.stringify(e).slice(0, 200)}`).toBe(true);
            expect(e.kind).toBe(streams.get(id)!.entity);
            expect(e.source).toEqual({ org: 'contract-org', connector: connector.id, instance: 'contract' });
            const k = `${e.kind}:${e.key}`;
            expect(keys.has(k), `duplicate key ${k}`).toBe(false);
            keys.add(k);
          }
        }
        expect(total).toBeGreaterThan(0);
      });

      it('never puts the credential into a stored page', () => {
        for (const secret of Object.values(target.env)) {
          for (const ps of pages.values()) {
            for (const p of ps) {
              expect(p.body.includes(secret)).toBe(false);
              expect(p.request.url.includes(secret)).toBe(false);
            }
          }
        }
      });

      it('check() reports every required permission as ok', async () => {
        const { ctx, dispose } = contractContext(connector, target, () => new Date());
        try {
          const items = await connector.check(ctx);
          const failed = items.filter((i) => i.status === 'failed');
          expect(failed).toEqual([]);
          expect(items.find((i) => i.name === 'credentials')?.status).toBe('ok');
          // "Every required permission as ok": each one is listed, not merely "none failed".
          for (const p of connector.permissions.filter((x) => x.required)) {
            expect(items.find((i) => i.name === p.name)?.status, `check() item for ${p.name}`).toBe('ok');
          }
        } finally {
          await dispose();
        }
      });
    });

    describe('against a double that denies every permission', () => {
      it('records failures and yields no entities: nothing can look complete', async () => {
        const target = await opts.startDenied();
        try {
          const { pages, errors } = await readAll(connector, target);
          for (const [id, ps] of pages) {
            const entities = ps.flatMap((p) => p.entities);
            // A stream may also stop by throwing (e.g. AgentError `denied`): the collector records
            // that as a failure of the kind failureKindOf gives it, so it counts here too.
            const thrown = errors.has(id) ? [{ kind: failureKindOf(errors.get(id)), detail: String(errors.get(id)) }] : [];
            const failures = [...ps.flatMap((p) => p.failures), ...thrown];
            expect(entities, `stream ${id} has no entities`).toEqual([]);
            expect(failures.length, `stream ${id} records why`).toBeGreaterThan(0);
            expect(failures.every((f) => f.kind === 'denied' || f.kind === 'unlicensed'), `stream ${id}: ${JSON.stringify(failures)}`).toBe(true);
          }
        } finally {
          await target.close();
        }
      });
    });
  });
}
