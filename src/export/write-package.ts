import type { Logger } from 'pino';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import type { OrganisationConfig } from '../core/config.ts';
import { AgentError } from '../core/errors.ts';
import type { ResultException, RuleResult } from '../core/rule.ts';
import { loadMetrics } from '../metrics/load-metrics.ts';
import type { EvaluationRecord, EvidenceStore, RunRecord } from '../store/evidence-store.ts';
import { allRules } from '../../rules/index.ts';
import { createControlTally } from './control-tally.ts';
import { chainOrder, describeFiles, MANIFEST_FILE, PUBLIC_KEY_IN_PACKAGE, signManifest, MANIFEST_FORMAT, type ChainLink } from './package-manifest.ts';
import { openPackageSink, packageOutPath, type PackagedFile } from './package-sink.ts';
import { oscalResultOf, oscalWriter } from './oscal-assessment-results.ts';
import { populationFiles } from './population-files.ts';
import { renderReportHtml, type ExportDocument } from './report-html.ts';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, exportResults, type ExportedRun, type ExportGap, type ExportResults, type RunRuleSummary } from './results-format.ts';
import { INVENTORY_KINDS, type RunInventories } from '../inventory/index.ts';
import { CSV_FILE_OF } from '../inventory/csv-files.ts';
import type { SigningKey } from './signing-keys.ts';
import { statementOfApplicabilityCsv } from './soa-csv.ts';

/** Renders report.html to PDF bytes (src/export/render-pdf.ts); injected so tests and machines without Chromium do without. */
export type PdfRenderer = (html: string) => Promise<Uint8Array>;

export interface ExportOptions {
  store: EvidenceStore;
  org: OrganisationConfig;
  /** Inclusive start and exclusive end, ISO instants. */
  period: { from: string; to: string };
  out: string;
  now: () => Date;
  toolVersion: string;
  configDigest: string;
  key: SigningKey;
  pdf?: PdfRenderer;
  log: Logger;
}

export interface ExportSummary {
  out: string;
  files: PackagedFile[];
  /** Sealed runs started in the period. */
  runs: number;
  /** Runs started before the period, included only so the chain in the package has no hole. */
  bridgingRuns: number;
  evaluatedRuns: number;
  interruptedRuns: number;
  gaps: number;
  lastManifestHash: string | null;
}

type SealedRun = RunRecord & { status: 'complete' | 'partial' | 'failed'; manifestHash: string };

/**
 * Writes a signed export package of one organisation for a period. Runs are read one at a time
 * (manifest, latest evaluation) and written as they are read; only per-run summaries are kept.
 * The metrics come from `loadMetrics`, exactly as `evidentia metrics` computes them.
 */
export async function writeExportPackage(opts: ExportOptions): Promise<ExportSummary> {
  const { store, org, period } = opts;
  const generatedAt = opts.now().toISOString();
  const inPeriod = (r: RunRecord) => Date.parse(r.startedAt) >= Date.parse(period.from) && Date.parse(r.startedAt) < Date.parse(period.to);
  const orgRuns = await store.listRuns({ org: org.id });
  const all = orgRuns.filter(inPeriod);
  const { runs: chained, bridging } = chainStretch(orgRuns.filter(isSealed), inPeriod);
  const sealed = chained.filter((r) => !bridging.has(r.id));
  const interrupted = all.filter((r) => r.status === 'interrupted').sort((a, b) => a.id - b.id);
  const running = all.filter((r) => r.status === 'running');

  const out = packageOutPath(opts.out);
  const sink = await openPackageSink(out, opts.now);
  try {
    const files: PackagedFile[] = [];
    const add = async (path: string, content: string | Uint8Array) => {
      files.push(await sink.add(path, content));
    };
    const tally = createControlTally(allRules, period);
    const runs: ExportedRun[] = [];
    const chain: ChainLink[] = [];
    const oscalFile = await sink.openStream('oscal-assessment-results.json');
    const oscal = oscalWriter({ org: { id: org.id, name: org.name }, period, generatedAt, toolVersion: opts.toolVersion }, (t) => oscalFile.write(t));
    let latest: { runId: number; evaluatedAt: string; results: RuleResult[] } | null = null;
    let latestEvaluation: { id: number; runId: number; resultsHash: string } | null = null;
    const rejudgedGaps: ExportGap[] = [];

    for (const run of chained) {
      const manifest = await store.getManifest(run.id);
      if (manifest === null || sha256Hex(manifest) !== run.manifestHash) {
        throw new AgentError('store_failed', `run ${run.id}: its stored manifest no longer matches its manifest hash; run \`evidentia verify\` before exporting`);
      }
      const manifestFile = `manifests/run-${run.id}.json`;
      await add(manifestFile, manifest);
      chain.push({ runId: run.id, manifestHash: run.manifestHash, previousManifestHash: run.previousManifestHash, file: manifestFile });
      if (bridging.has(run.id)) {
        // Started outside the period but sealed inside the stretch: its manifest keeps the chain
        // whole; its results are not the period's and are not counted.
        runs.push({ ...exportedRunOf(run, manifestFile, null), bridging: true });
        continue;
      }
      const evaluations = await store.listEvaluations(run.id);
      const evaluation = evaluations.at(-1) ?? null;
      let exportedEvaluation: ExportedRun['evaluation'] = null;
      let rejudged: ExportedRun['rejudged'];
      if (evaluation) {
        const file = `evaluations/run-${run.id}.json`;
        await add(file, await evaluationText(store, run, evaluation));
        rejudged = rejudgedOf(evaluations, period);
        if (rejudged) {
          await add(rejudged.first.file, await evaluationText(store, run, evaluations[0]!));
          rejudgedGaps.push({ kind: 'rejudged', runId: run.id, from: run.startedAt, to: run.finishedAt, detail: describeRejudged(run.id, rejudged, evaluation) });
        }
        exportedEvaluation = { id: evaluation.id, evaluatedAt: evaluation.evaluatedAt, paramsDigest: evaluation.paramsDigest, resultsHash: evaluation.resultsHash, file, rules: evaluation.results.map(summaryOf) };
        tally.add(run, evaluation.results);
        oscal.add(oscalResultOf(run, evaluation, { manifest: manifestFile, evaluation: file }));
        latest = { runId: run.id, evaluatedAt: evaluation.evaluatedAt, results: evaluation.results };
        latestEvaluation = { id: evaluation.id, runId: run.id, resultsHash: evaluation.resultsHash };
      }
      runs.push({ ...exportedRunOf(run, manifestFile, exportedEvaluation), ...(rejudged ? { rejudged } : {}) });
      opts.log.debug({ run: run.id }, 'run exported');
    }

    const metrics = await loadMetrics(store, org, { from: period.from, to: period.to });
    const gaps: ExportGap[] = [
      ...(sealed.length === 0 ? [{ kind: 'no_runs', runId: null, from: period.from, to: period.to, detail: `no sealed run of ${org.id} started in the period: nothing was collected, nothing passed` }] : []),
      ...interrupted.map((r) => ({ kind: 'interrupted', runId: r.id, from: r.startedAt, to: r.finishedAt, detail: `run ${r.id} (${r.startedAt}) was interrupted: not evidence, its data is not used` })),
      ...running.map((r) => ({ kind: 'running', runId: r.id, from: r.startedAt, to: null, detail: `run ${r.id} (${r.startedAt}) was still running at export time: not evidence yet` })),
      ...sealed.filter((r) => r.status === 'failed').map((r) => ({ kind: 'failed_run', runId: r.id, from: r.startedAt, to: r.finishedAt, detail: `run ${r.id} (${r.startedAt}) failed: no stream was usable; it is in the chain but measured nothing` })),
      ...metrics.gaps.map((g) => ({ kind: g.kind, runId: g.runId, from: g.from, to: g.to, detail: g.detail })),
      ...rejudgedGaps,
    ];
    // Loaded (and re-hashed by the store) before results.json is written, which names their hashes.
    const inventories = latestEvaluation === null ? null : await store.loadInventories(latestEvaluation.id);
    const histories = tally.histories();
    const exceptions: ResultException[] = latest ? dedupeExceptions(latest.results) : [];
    const doc: ExportDocument = {
      format: EXPORT_FORMAT,
      version: EXPORT_FORMAT_VERSION,
      org: { id: org.id, name: org.name },
      period,
      generatedAt,
      toolVersion: opts.toolVersion,
      runs,
      interruptedRuns: interrupted.map((r) => ({ runId: r.id, startedAt: r.startedAt, finishedAt: r.finishedAt })),
      gaps,
      controls: histories.map((h) => h.summary),
      latest,
      exceptions,
      inventories: latestEvaluation && inventories ? inventoryDigests(latestEvaluation, inventories) : null,
      metrics,
    };
    // The format is checked on the way out: a package never holds results its own verifier rejects.
    exportResults.parse(doc);
    await add('results.json', `${JSON.stringify(doc, null, 2)}\n`);
    oscal.end();
    files.push(await oscalFile.end());
    await add('statement-of-applicability.csv', statementOfApplicabilityCsv(doc.controls));
    for (const f of populationFiles({ exceptions, inventories })) await add(f.name, f.content);
    const html = renderReportHtml({ doc, histories, keyFingerprint: opts.key.fingerprint, chain: { first: chain[0]?.manifestHash ?? null, last: chain.at(-1)?.manifestHash ?? null } });
    await add('report.html', html);
    if (opts.pdf) await add('report.pdf', await opts.pdf(html));
    await add(PUBLIC_KEY_IN_PACKAGE, opts.key.publicKeyPem);

    const signed = signManifest(
      {
        format: MANIFEST_FORMAT,
        version: 1,
        toolVersion: opts.toolVersion,
        org: doc.org,
        period,
        generatedAt,
        configDigest: opts.configDigest,
        chain: { firstManifestHash: chain[0]?.manifestHash ?? null, lastManifestHash: chain.at(-1)?.manifestHash ?? null, previousOfFirst: chain[0]?.previousManifestHash ?? null, runs: chain },
        files: describeFiles(files),
        publicKey: { file: PUBLIC_KEY_IN_PACKAGE, fingerprint: opts.key.fingerprint },
      },
      opts.key,
    );
    files.push(await sink.add(MANIFEST_FILE, `${JSON.stringify(signed, null, 2)}\n`));
    await sink.commit();
    return { out, files, runs: sealed.length, bridgingRuns: bridging.size, evaluatedRuns: runs.filter((r) => r.evaluation).length, interruptedRuns: interrupted.length, gaps: gaps.length, lastManifestHash: chain.at(-1)?.manifestHash ?? null };
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

/**
 * Exactly what the results hash covers, as stored (an evaluation written by an older Evidentia lacks
 * fields added since), so an auditor recomputes it with sha256 alone; refuses an evaluation changed
 * in the store.
 */
async function evaluationText(store: EvidenceStore, run: SealedRun, evaluation: EvaluationRecord): Promise<string> {
  const text = await store.getEvaluationText(evaluation.id);
  if (sha256Hex(text) !== evaluation.resultsHash) {
    throw new AgentError('store_failed', `run ${run.id}: evaluation ${evaluation.id} no longer matches its results hash; run \`evidentia verify\` before exporting`);
  }
  return text;
}

/**
 * A period's verdict must not change silently after the fact: when the latest evaluation of a run
 * was made with other parameters than its first, or after the period ended, both are shown.
 */
function rejudgedOf(evaluations: readonly EvaluationRecord[], period: { to: string }): ExportedRun['rejudged'] {
  const first = evaluations[0]!;
  const latest = evaluations.at(-1)!;
  const reasons: NonNullable<ExportedRun['rejudged']>['reasons'] = [];
  if (latest.paramsDigest !== first.paramsDigest) reasons.push('params_changed');
  if (Date.parse(latest.evaluatedAt) >= Date.parse(period.to)) reasons.push('evaluated_after_period');
  if (reasons.length === 0) return undefined;
  const firstStatus = new Map(first.results.map((r) => [r.ruleId, verdictOf(r)]));
  const changed = latest.results
    .map((r) => ({ ruleId: r.ruleId, first: firstStatus.get(r.ruleId) ?? 'absent', latest: verdictOf(r) }))
    .filter((c) => c.first !== c.latest);
  return {
    reasons,
    evaluations: evaluations.length,
    first: { id: first.id, evaluatedAt: first.evaluatedAt, paramsDigest: first.paramsDigest, resultsHash: first.resultsHash, file: `evaluations/run-${first.runId}-first.json` },
    changed,
  };
}

const verdictOf = (r: RuleResult): string => (r.notApplicable ? 'not_applicable' : r.status);

function describeRejudged(runId: number, j: NonNullable<ExportedRun['rejudged']>, latest: EvaluationRecord): string {
  const why = j.reasons.map((r) => (r === 'params_changed' ? 'with other parameters than its first evaluation' : 'after the period ended')).join(' and ');
  const verdicts = j.changed.length === 0 ? 'no rule changed its verdict' : j.changed.map((c) => `${c.ruleId} ${c.first} then ${c.latest}`).join(', ');
  return `run ${runId} was last evaluated ${why} (evaluation ${latest.id} at ${latest.evaluatedAt}; first: evaluation ${j.first.id} at ${j.first.evaluatedAt}, in ${j.first.file}): ${verdicts}`;
}

const isSealed = (r: RunRecord): r is SealedRun => (r.status === 'complete' || r.status === 'partial' || r.status === 'failed') && r.manifestHash !== null;

/**
 * The package's runs: a contiguous stretch of the organisation's chain in sealing order, from the
 * first to the last sealed run that started in the period. Two runs that overlapped (one started
 * before the other but sealed after it) can leave, inside that stretch, a run that started before
 * the period: it is included as a bridging run so the links in the package hold, and marked so.
 */
export function chainStretch<T extends SealedRun>(sealed: readonly T[], inPeriod: (r: T) => boolean): { runs: T[]; bridging: Set<number> } {
  const ordered = chainOrder(sealed);
  const first = ordered.findIndex(inPeriod);
  if (first < 0) return { runs: [], bridging: new Set() };
  const last = ordered.findLastIndex(inPeriod);
  const runs = ordered.slice(first, last + 1);
  return { runs, bridging: new Set(runs.filter((r) => !inPeriod(r)).map((r) => r.id)) };
}

function exportedRunOf(run: SealedRun, manifestFile: string, evaluation: ExportedRun['evaluation']): ExportedRun {
  return { runId: run.id, startedAt: run.startedAt, finishedAt: run.finishedAt, status: run.status, toolVersion: run.toolVersion, configDigest: run.configDigest, manifestHash: run.manifestHash, previousManifestHash: run.previousManifestHash, manifestFile, evaluation };
}

function inventoryDigests(evaluation: { id: number; runId: number; resultsHash: string }, inv: RunInventories): NonNullable<ExportResults['inventories']> {
  return {
    evaluationId: evaluation.id,
    runId: evaluation.runId,
    resultsHash: evaluation.resultsHash,
    // The store keeps each inventory as this canonical JSON, so the digest matches its row's json column.
    kinds: INVENTORY_KINDS.map((kind) => ({ kind, file: CSV_FILE_OF[kind], rows: inv[kind].rows.length, jsonSha256: sha256Hex(canonicalJson(inv[kind])) })),
  };
}

function summaryOf(r: RuleResult): RunRuleSummary {
  return { ruleId: r.ruleId, status: r.status, notApplicable: r.notApplicable, measured: r.measured, threshold: r.threshold, unit: r.unit, summary: r.summary, reasons: r.reasons, controls: r.controls, evidenceCount: r.evidence.length };
}

/** Every rule lists its own exceptions; one exception names one rule, so this only flattens. */
function dedupeExceptions(results: readonly RuleResult[]): ResultException[] {
  const seen = new Set<string>();
  const out: ResultException[] = [];
  for (const e of results.flatMap((r) => r.exceptions)) {
    const key = canonicalJson(e);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(e);
    }
  }
  return out;
}
