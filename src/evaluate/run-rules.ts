import type { z } from 'zod';
import { configErrorFromZod, formatPath } from '../core/config.ts';
import type { ExceptionConfig } from '../core/config.ts';
import { AgentError, ConfigError, describeError } from '../core/errors.ts';
import { ruleResult } from '../core/rule.ts';
import type { Rule, RuleResult, RuleVerdict } from '../core/rule.ts';
import type { SnapshotView } from './snapshot-view.ts';
import { applyExceptions, checkExceptionRules, compileExceptions } from './exceptions.ts';

/** Rule parameters as written in the config: rule id → param name → value. */
export type RuleParamsMap = Record<string, Record<string, unknown>>;

export interface RuleParamsConfig {
  /** The top-level `rules:` block, applied to every organisation. */
  global?: RuleParamsMap;
  /** This organisation's `rules:` block; a value here overrides the same one in `global`. */
  org?: RuleParamsMap;
  /** This organisation's `exceptions:` (accepted failing subjects); see `exceptions.ts`. */
  exceptions?: readonly ExceptionConfig[];
}

export interface ParamPaths {
  /** @default 'rules' */
  global?: string;
  /** The org block's key path, e.g. `organisations[2].rules`. @default 'organisation.rules' */
  org?: string;
  /** The org's exceptions key path, e.g. `organisations[2].exceptions`. @default 'organisation.exceptions' */
  exceptions?: string;
}

export interface Evaluation {
  /** One result per rule, in the order the rules were given (registration order). */
  results: RuleResult[];
  /** Effective parameters per rule id, in the same order: what the caller hashes into `paramsDigest`. */
  params: RuleParamsMap;
}

/**
 * Merges and validates every rule's parameters before anything is evaluated, so a config mistake is
 * one `ConfigError` naming the key path (`rules.mfa-coverage.threshold`), not a half-done evaluation.
 * Unknown rule ids are rejected too: a misspelt id would otherwise silently leave the default in force.
 */
export function resolveRuleParams(rules: readonly Rule[], config: RuleParamsConfig = {}, paths: ParamPaths = {}): RuleParamsMap {
  const globalPath = paths.global ?? 'rules';
  const orgPath = paths.org ?? 'organisation.rules';
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw new AgentError('internal', `rule id "${rule.id}" is registered twice`);
    ids.add(rule.id);
  }
  for (const [path, block] of [[globalPath, config.global], [orgPath, config.org]] as const) {
    for (const id of Object.keys(block ?? {})) {
      // formatPath clips the echoed key: a 1 MB key must not make a 1 MB error line.
      if (!ids.has(id)) throw new ConfigError(formatPath([path, id]), `no rule has this id; known rules: ${[...ids].join(', ')}`);
    }
  }

  const out: RuleParamsMap = {};
  for (const rule of rules) {
    const global = config.global?.[rule.id] ?? {};
    const org = config.org?.[rule.id] ?? {};
    // Global values are checked on their own first, so an error points at the block that holds it.
    parseParams(rule.paramsSchema, global, [globalPath, rule.id]);
    out[rule.id] = parseParams(rule.paramsSchema, { ...global, ...org }, [orgPath, rule.id]);
  }
  return out;
}

function parseParams(schema: z.ZodType<Record<string, unknown>>, input: unknown, prefix: readonly string[]): Record<string, unknown> {
  // `reportInput` lets the message say what was given ("expected number, got string"); without it
  // zod 4 leaves `input` out and every wrong type would read as "is required".
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw configErrorFromZod(parsed.error, prefix);
  return parsed.data;
}

/**
 * Evaluates every rule against one snapshot. A rule whose required streams are not all usable is
 * `not_evaluable` without being called; a rule that throws or returns a malformed result is
 * `not_evaluable` with "rule error: …". Neither can ever become `pass`. Then the org's exceptions
 * in force (as of the run, not the wall clock) mark the failing subjects they cover, and every
 * exception of a rule, in force or expired, is listed on its result.
 */
export function evaluateRules(view: SnapshotView, rules: readonly Rule[], config: RuleParamsConfig = {}, paths: ParamPaths = {}): Evaluation {
  const params = resolveRuleParams(rules, config, paths);
  checkExceptionRules(config.exceptions ?? [], rules.map((r) => r.id), paths.exceptions);
  const exceptions = compileExceptions(config.exceptions ?? [], view.asOf);
  const results = rules.map((rule) => applyExceptions(evaluateOne(view, rule, params[rule.id] ?? {}), exceptions, rule.exceptionEffect));
  return { results, params };
}

function evaluateOne(view: SnapshotView, rule: Rule, params: Record<string, unknown>): RuleResult {
  const evidence = [...new Set(rule.requires.flatMap((r) => view.evidenceFor(r.entity)))].sort();
  const base = { ruleId: rule.id, title: rule.title, controls: [...rule.controls], evidence, params };
  const threshold = typeof params['threshold'] === 'number' ? params['threshold'] : null;

  // Checked before the requirements: "no connector collects access_key" would read as a broken
  // collection, when the org simply has no system the rule is about.
  const scope = rule.appliesTo;
  if (scope && !view.outcomes.some((o) => o.entity === scope.entity)) {
    const reason = `${NOT_APPLICABLE} ${scope.because}`;
    return { ...notEvaluable(base, threshold, [reason], reason), notApplicable: true };
  }

  const missing = rule.requires.flatMap((r) => {
    const a = view.availability(r.entity, r.fields ?? []);
    return a.usable ? [] : a.reasons;
  });
  if (missing.length > 0) return notEvaluable(base, threshold, missing);

  let verdict: RuleVerdict;
  try {
    verdict = rule.evaluate(view, params);
  } catch (e) {
    return notEvaluable(base, threshold, [`rule error: ${describeError(e)}`]);
  }

  // Accepting a failure is the org's decision, recorded in config; a rule cannot make it.
  if (verdict.subjects.some((s) => s.status === 'excepted')) {
    return notEvaluable(base, threshold, ['rule error: a rule marked a subject `excepted`; only configured exceptions may']);
  }
  const reasons = verdict.reasons ?? [];
  if (verdict.status === 'not_evaluable' && reasons.length === 0) reasons.push(verdict.summary || 'the rule gave no reason');
  // "pass requires evidence": a pass resting on no stored page could not be shown to an auditor.
  if (verdict.status === 'pass' && evidence.length === 0) {
    return notEvaluable(base, verdict.threshold, ['no stored raw pages back this result, so a pass cannot be evidenced']);
  }
  const parsed = ruleResult.safeParse({
    ...base,
    status: verdict.status,
    summary: verdict.summary,
    measured: verdict.measured,
    threshold: verdict.threshold,
    unit: verdict.unit,
    reasons,
    breakdown: verdict.breakdown,
    subjects: verdict.subjects,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    return notEvaluable(base, threshold, [`rule error: result is malformed${where ? ` at ${where}` : ''} (${issue?.message ?? 'invalid'})`]);
  }
  return parsed.data;
}

/** The prefix of the one reason (and the summary) of a result whose rule does not apply to the org. */
const NOT_APPLICABLE = 'not applicable:';

/**
 * Whether a `not_evaluable` result only says the rule does not apply (e.g. root-account in an org
 * without AWS), so reports and exit codes can tell it apart from evidence that could not be read.
 */
export function isNotApplicable(result: Pick<RuleResult, 'status' | 'notApplicable'>): boolean {
  return result.status === 'not_evaluable' && result.notApplicable;
}

function notEvaluable(
  base: Pick<RuleResult, 'ruleId' | 'title' | 'controls' | 'evidence' | 'params'>,
  threshold: number | null,
  reasons: string[],
  summary?: string,
): RuleResult {
  const first = reasons[0] ?? 'no reason was recorded';
  const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
  return ruleResult.parse({
    ...base,
    status: 'not_evaluable',
    summary: summary ?? `not evaluable: ${first}${more}`,
    measured: null,
    threshold,
    unit: null,
    reasons,
    breakdown: [],
    subjects: [],
  });
}
