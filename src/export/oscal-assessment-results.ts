import { sha256Hex } from '../core/canonical-json.ts';
import type { RuleResult } from '../core/rule.ts';
import type { EvaluationRecord, RunRecord } from '../store/evidence-store.ts';

/**
 * OSCAL 1.0.6 assessment results (`oscal-assessment-results.json`): one result per sealed run,
 * one observation per rule (pointing at the SHA-256 of every raw vendor response it rests on, as
 * listed in `manifests/run-<id>.json`), one finding per rule and Annex A control it evidences.
 * Evidentia-specific props use the `urn:evidentia:oscal` namespace, as OSCAL asks of extensions.
 */
export const OSCAL_VERSION = '1.0.6';
const NS = 'urn:evidentia:oscal';
/** Failing subjects quoted per observation; the rest are counted and the file holding them is named. */
const SUBJECTS_QUOTED = 20;

type Json = Record<string, unknown>;

/** A deterministic UUID (version-5 layout) from a name, so exporting the same evidence twice gives the same ids. */
export function stableUuid(name: string): string {
  const h = sha256Hex(`evidentia-oscal:${name}`);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** OSCAL's date-time type forbids trailing zeros in fractions (`.000Z`); the instant is unchanged. */
export function oscalDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`not a date-time: ${iso}`);
  return d.toISOString().replace(/\.(\d*?)0+Z$/, (_m, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** OSCAL string values must be one line without surrounding blanks. */
function line(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t === '' ? '-' : t;
}

function prop(name: string, value: string): Json {
  return { name, ns: NS, value: line(value) };
}

/** `ISO27001:2022/A.8.5` → `a.8.5` (OSCAL control ids are tokens, lower case by convention). */
export function oscalControlId(control: string): string {
  return control.replace('ISO27001:2022/', '').toLowerCase();
}

export function oscalResultOf(run: RunRecord, evaluation: EvaluationRecord, files: { manifest: string; evaluation: string }): Json {
  // Ids alone repeat across stores (every store has a run 1): the hashes make the names, and so
  // the UUIDs, differ for different evidence while staying the same for the same evidence.
  const uuidBase = `run-${run.id}/${run.manifestHash ?? 'unsealed'}/eval-${evaluation.id}/${evaluation.resultsHash}`;
  const iso = (r: RuleResult) => r.controls.filter((c) => c.startsWith('ISO27001:2022/'));
  const controls = [...new Set(evaluation.results.flatMap(iso))];
  const observations: Json[] = [];
  const findings: Json[] = [];
  for (const r of evaluation.results) {
    const obsUuid = stableUuid(`${uuidBase}/obs/${r.ruleId}`);
    const failing = r.subjects.filter((s) => s.status === 'fail');
    const quoted = failing.slice(0, SUBJECTS_QUOTED).map((s) => `- ${s.label} (${s.instance}): ${s.why}`);
    if (failing.length > SUBJECTS_QUOTED) quoted.push(`- … and ${failing.length - SUBJECTS_QUOTED} more failing subjects, listed in ${files.evaluation}`);
    const remarks = [r.reasons.length > 0 ? `Not evaluable: ${r.reasons.join('; ')}` : '', quoted.length > 0 ? `Failing subjects:\n${quoted.join('\n')}` : ''].filter(Boolean).join('\n\n');
    observations.push({
      uuid: obsUuid,
      title: `${r.ruleId}: ${r.title}`,
      description: r.summary || r.title,
      props: [prop('rule-id', r.ruleId), prop('status', r.notApplicable ? 'not_applicable' : r.status), ...(r.measured === null ? [] : [prop('measured', String(r.measured))]), ...(r.threshold === null ? [] : [prop('threshold', String(r.threshold))])],
      methods: ['TEST'],
      types: ['finding'],
      'relevant-evidence': [
        {
          href: files.evaluation,
          description: `The stored evaluation of run ${run.id}; the SHA-256 of this file is the results hash.`,
          props: [prop('results-sha256', evaluation.resultsHash)],
        },
        ...(r.evidence.length > 0
          ? [{ href: files.manifest, description: `${r.evidence.length} raw vendor response(s) listed by SHA-256 in the run's manifest.`, props: r.evidence.map((h) => prop('evidence-sha256', h)) }]
          : []),
      ],
      collected: oscalDateTime(run.startedAt),
      ...(remarks ? { remarks } : {}),
    });
    if (r.notApplicable) continue;
    for (const control of iso(r)) {
      findings.push({
        uuid: stableUuid(`${uuidBase}/finding/${r.ruleId}/${control}`),
        title: `${control.replace('ISO27001:2022/', '')} — ${r.ruleId}`,
        description: r.summary || r.title,
        props: [prop('control', control), prop('rule-id', r.ruleId)],
        target: {
          type: 'statement-id',
          'target-id': `${oscalControlId(control)}_smt`,
          status: { state: r.status === 'pass' ? 'satisfied' : 'not-satisfied', reason: r.status === 'pass' ? 'pass' : r.status === 'fail' ? 'fail' : 'other', ...(r.status === 'not_evaluable' ? { remarks: `Not evaluable: ${r.reasons.join('; ') || r.summary}` } : {}) },
        },
        'related-observations': [{ 'observation-uuid': obsUuid }],
      });
    }
  }
  return {
    uuid: stableUuid(uuidBase),
    title: `Run ${run.id} (${run.org}), collected ${run.startedAt}`,
    description: `Automated collection and evaluation by Evidentia; run status ${run.status}, manifest SHA-256 ${run.manifestHash}.`,
    start: oscalDateTime(run.startedAt),
    ...(run.finishedAt ? { end: oscalDateTime(run.finishedAt) } : {}),
    props: [prop('run-id', String(run.id)), prop('manifest-sha256', run.manifestHash ?? '-'), prop('evaluated-at', evaluation.evaluatedAt), prop('params-digest', evaluation.paramsDigest)],
    'reviewed-controls': {
      'control-selections': [controls.length > 0 ? { 'include-controls': controls.map((c) => ({ 'control-id': oscalControlId(c) })) } : { 'include-all': {} }],
    },
    ...(observations.length > 0 ? { observations } : {}),
    ...(findings.length > 0 ? { findings } : {}),
  };
}

export interface OscalDocumentInput {
  org: { id: string; name: string };
  period: { from: string; to: string };
  generatedAt: string;
  toolVersion: string;
}

/** The whole document at once (small periods and tests); `oscalWriter` streams the same text. */
export function oscalDocument(input: OscalDocumentInput & { results: readonly Json[] }): Json {
  return envelope(input, input.results.length > 0 ? input.results : [noRunResult(input)]);
}

/**
 * Writes the document one result at a time: `add` each run's result as it is read, then `end`.
 * The text is the same JSON `oscalDocument` describes (indentation aside).
 */
export function oscalWriter(input: OscalDocumentInput, write: (text: string) => void): { add(result: Json): void; end(): void } {
  const MARK = '"@@results@@"';
  const [head, tail] = JSON.stringify(envelope(input, ['@@results@@' as unknown as Json]), null, 2).split(MARK) as [string, string];
  let count = 0;
  write(head);
  return {
    add(result) {
      write(`${count++ > 0 ? ',' : ''}${JSON.stringify(result)}`);
    },
    end() {
      // OSCAL needs at least one result; a period with no evaluated run says so instead of being empty.
      if (count === 0) write(JSON.stringify(noRunResult(input)));
      write(`${tail}\n`);
    },
  };
}

function envelope(input: OscalDocumentInput, results: readonly Json[]): Json {
  return {
    'assessment-results': {
      uuid: stableUuid(`doc/${input.org.id}/${input.period.from}/${input.period.to}/${input.generatedAt}`),
      metadata: {
        title: line(`ISO/IEC 27001:2022 evidence of ${input.org.name} (${input.org.id}), ${input.period.from} to ${input.period.to}`),
        'last-modified': oscalDateTime(input.generatedAt),
        version: '1',
        'oscal-version': OSCAL_VERSION,
        props: [prop('tool', `evidentia ${input.toolVersion}`), prop('period-from', input.period.from), prop('period-to', input.period.to)],
      },
      'import-ap': {
        href: '#automated-continuous-assessment',
        remarks: 'No separate assessment plan: Evidentia collects and evaluates continuously by its built-in rules. results.json and manifest.json in this package describe what was assessed.',
      },
      results,
    },
  };
}

function noRunResult(input: OscalDocumentInput): Json {
  return {
    uuid: stableUuid(`doc/${input.org.id}/${input.period.from}/${input.period.to}/none`),
    title: 'No evaluated run in the period',
    description: 'No sealed and evaluated run started in the period: nothing was assessed, nothing passed.',
    start: oscalDateTime(input.period.from),
    end: oscalDateTime(input.period.to),
    'reviewed-controls': { 'control-selections': [{ 'include-all': {} }] },
  };
}
