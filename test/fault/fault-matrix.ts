import { expect, it } from 'vitest';
import { allRules } from '../../rules/index.ts';
import { buildSnapshotView } from '../../src/evaluate/build-view.ts';
import { evaluateRules } from '../../src/evaluate/run-rules.ts';
import { outcomeUsableFor, type FailureKind, type StreamOutcome } from '../../src/core/stream-outcome.ts';
import type { RuleResult } from '../../src/core/rule.ts';
import type { StoredSnapshot } from '../../src/store/evidence-store.ts';
import type { Connector } from '../../src/core/connector.ts';
import type { HttpContextOptions } from '../../src/http/request-with-retry.ts';
import { collectIntoTempStore, outcomeSummary, recordingHttp, type Waits } from '../support/connector-harness.ts';
import { silentLogger } from '../support/silent-logger.ts';

/**
 * The fault matrix: one test per (fault, connector) cell. A cell either recovers (the stream it
 * hits is complete) or ends in a recorded failure of the expected kind — and then every rule that
 * needs what went missing is `not_evaluable`, never `pass`. Cells that cannot happen for a vendor
 * are listed with the reason, so the table shows the whole matrix.
 */

export interface CellRun {
  outcomes: ReadonlyMap<string, StreamOutcome>;
  snapshot: StoredSnapshot;
  /** How many faulty answers the double or proxy gave; a `recovers` cell must have met at least one. */
  injected?: number;
}

export interface Cell {
  cell: string;
  /** The stream the fault hits. */
  stream: string;
  /** `recovers`, or the failure kind the stream must record. */
  expect: 'recovers' | FailureKind;
  run: () => Promise<CellRun>;
  /** Cell-specific checks (requests sent, waits asked…). */
  also?: (r: CellRun) => void | Promise<void>;
}

export interface NotApplicable {
  cell: string;
  notApplicable: string;
}

export type MatrixRow = Cell | NotApplicable;

/** Evaluates every rule on the stored snapshot, the way `evidentia evaluate` does (defaults, no exceptions). */
export function evaluateSnapshot(snapshot: StoredSnapshot): RuleResult[] {
  return evaluateRules(buildSnapshotView(snapshot), allRules).results;
}

/** Rules that read the fields this outcome lost, with their results. */
export function affectedResults(outcome: StreamOutcome, results: readonly RuleResult[]): RuleResult[] {
  return allRules
    .filter((rule) => rule.requires.some((req) => req.entity === outcome.entity && !outcomeUsableFor(outcome, req.fields ?? []).usable))
    .map((rule) => results.find((r) => r.ruleId === rule.id)!);
}

export function assertCell(c: Cell, r: CellRun): void {
  const outcome = r.outcomes.get(c.stream);
  const summary = JSON.stringify(outcomeSummary(r.outcomes));
  expect(outcome, `no outcome for ${c.stream}: ${summary}`).toBeDefined();
  const results = evaluateSnapshot(r.snapshot);
  if (c.expect === 'recovers') {
    expect(r.injected, 'a recovery cell must count the faults it injected').toBeDefined();
    expect(r.injected, 'the fault was injected').toBeGreaterThan(0);
    expect(outcome!.status, summary).toBe('complete');
    expect(outcome!.failures).toEqual([]);
    return;
  }
  expect(outcome!.status, summary).not.toBe('complete');
  expect(outcome!.failures.map((f) => f.kind), summary).toContain(c.expect);
  for (const f of outcome!.failures) expect(f.detail.length, 'every failure says what happened').toBeGreaterThan(10);
  const affected = affectedResults(outcome!, results);
  expect(affected.length, `some rule reads ${outcome!.entity}`).toBeGreaterThan(0);
  for (const res of affected) {
    expect(res.status, `${res.ruleId} rests on ${c.stream}, which is ${outcome!.status}: ${res.summary}`).toBe('not_evaluable');
    // A rule that does not apply to the organisation at all (root-account without AWS) names that instead.
    if (!res.notApplicable) expect(res.reasons.join(' '), res.ruleId).toContain(`${outcome!.instance}/${outcome!.stream}`);
  }
}

/** One `it` per row; not-applicable rows are skipped with their reason in the title. */
export function matrix(rows: readonly MatrixRow[], timeoutMs = 20_000): void {
  for (const row of rows) {
    if ('notApplicable' in row) {
      it.skip(`${row.cell} — not applicable: ${row.notApplicable}`, () => {});
      continue;
    }
    it(`${row.cell} → ${row.expect === 'recovers' ? 'recovers' : `recorded as \`${row.expect}\`, affected rules not_evaluable`}`, async () => {
      const r = await row.run();
      assertCell(row, r);
      await row.also?.(r);
    }, timeoutMs);
  }
}

export interface CollectCellOptions {
  connector: Connector<unknown>;
  instance: string;
  /** The connector block as a user writes it. */
  config: Record<string, unknown>;
  env: Record<string, string>;
  http?: Omit<HttpContextOptions, 'sleep'>;
  now?: () => Date;
}

export interface CollectedCell extends CellRun {
  waits: Waits;
  pages: { stream: string; bodies: string[] }[];
}

/** A full collection of every stream into a temp SQLite store; retry waits are recorded, not slept. */
export async function collectCell(o: CollectCellOptions): Promise<CollectedCell> {
  const { http, waits } = recordingHttp(o.http ?? {}, 1000);
  const c = await collectIntoTempStore({
    connector: o.connector,
    instance: o.instance,
    org: 'acme',
    config: o.connector.configSchema.parse(o.config),
    disabledStreams: [],
    env: o.env,
    http,
    log: silentLogger(),
    now: o.now ?? (() => new Date()),
    storePrefix: 'evidentia-fault-',
  });
  return { outcomes: c.outcomes, snapshot: c.snapshot, waits, pages: c.pageBodies };
}
