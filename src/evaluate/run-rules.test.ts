import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import type { Rule, RuleVerdict } from '../core/rule.ts';
import { buildSnapshotView } from './build-view.ts';
import { evaluateRules, isNotApplicable, resolveRuleParams } from './run-rules.ts';
import { createAccount, createMfa, createOutcome, createSnapshot, fakePageHash } from './test-factories.ts';

const passing: RuleVerdict = { status: 'pass', summary: 'all good', measured: 1, threshold: 0.9, unit: 'ratio', breakdown: [], subjects: [] };

function fakeRule(partial: Partial<Rule> = {}): Rule {
  return {
    id: 'fake',
    title: 'Fake rule',
    description: 'for tests',
    controls: ['ISO27001:2022/A.8.5'],
    requires: [{ entity: 'account' }],
    paramsSchema: z.object({ threshold: z.number().min(0).max(1).default(0.9), days: z.number().int().default(90) }).strict(),
    evaluate: () => passing,
    ...partial,
  };
}

const alice = createAccount({ username: 'alice@contoso.com' });
const view = buildSnapshotView(createSnapshot({ entities: [alice, createMfa({ accountKey: alice.key })] }));

describe('resolveRuleParams', () => {
  it('applies defaults, then global, then org overrides', () => {
    const rule = fakeRule();
    expect(resolveRuleParams([rule])).toEqual({ fake: { threshold: 0.9, days: 90 } });
    expect(resolveRuleParams([rule], { global: { fake: { threshold: 0.8, days: 30 } }, org: { fake: { threshold: 0.99 } } })).toEqual({
      fake: { threshold: 0.99, days: 30 },
    });
  });

  it('names the global path of an invalid value', () => {
    const call = () => resolveRuleParams([fakeRule()], { global: { fake: { threshold: 1.5 } } });
    expect(call).toThrow(ConfigError);
    expect(call).toThrow(/^rules\.fake\.threshold: /);
  });

  it('names the org path when the override is the invalid one', () => {
    const call = () => resolveRuleParams([fakeRule()], { global: { fake: { threshold: 0.5 } }, org: { fake: { days: 'ninety' } } }, { org: 'organisations[1].rules' });
    expect(call).toThrow(/^organisations\[1\]\.rules\.fake\.days: expected number, got string/);
  });

  it('rejects a misspelt parameter and an unknown rule id', () => {
    expect(() => resolveRuleParams([fakeRule()], { global: { fake: { threshhold: 0.5 } } })).toThrow(/^rules\.fake: unknown key "threshhold"/);
    expect(() => resolveRuleParams([fakeRule()], { org: { 'mfa-coverag': {} } })).toThrow(/^organisation\.rules\.mfa-coverag: no rule has this id; known rules: fake/);
  });

  it('cuts a huge unknown rule id in the error, so the one line stays readable (found by config fuzzing)', () => {
    const huge = 'x'.repeat(5000);
    const error = (() => {
      try {
        resolveRuleParams([fakeRule()], { global: { [huge]: {} } });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.message).toMatch(/^rules\.x{80}…: no rule has this id; known rules: fake$/);
  });
});

describe('evaluateRules', () => {
  it('fills identity, controls, evidence and effective params', () => {
    const rule = fakeRule({ requires: [{ entity: 'account' }, { entity: 'mfa' }] });
    const { results, params } = evaluateRules(view, [rule], { global: { fake: { days: 10 } } });
    expect(params).toEqual({ fake: { threshold: 0.9, days: 10 } });
    expect(results[0]).toMatchObject({
      ruleId: 'fake',
      title: 'Fake rule',
      controls: ['ISO27001:2022/A.8.5'],
      status: 'pass',
      params: { threshold: 0.9, days: 10 },
      evidence: [fakePageHash('m365-main/account'), fakePageHash('m365-main/mfa')].sort(),
      reasons: [],
    });
  });

  it('keeps registration order', () => {
    const rules = ['zeta', 'alpha', 'mid'].map((id) => fakeRule({ id }));
    expect(evaluateRules(view, rules).results.map((r) => r.ruleId)).toEqual(['zeta', 'alpha', 'mid']);
  });

  it('does not call a rule whose required stream is missing, and lists every reason', () => {
    const evaluate = vi.fn(() => passing);
    const snapshot = createSnapshot({
      outcomes: [
        createOutcome({ entity: 'account' }),
        createOutcome({ entity: 'mfa', status: 'failed', failures: [{ kind: 'denied', detail: 'the app lacks a permission', needs: 'UserAuthenticationMethod.Read.All' }] }),
      ],
    });
    const rule = fakeRule({ requires: [{ entity: 'mfa' }, { entity: 'role_assignment' }], evaluate });
    const [result] = evaluateRules(buildSnapshotView(snapshot), [rule]).results;
    expect(evaluate).not.toHaveBeenCalled();
    expect(result!.status).toBe('not_evaluable');
    expect(result!.reasons).toEqual([
      'm365-main/mfa is failed: denied: the app lacks a permission (needs UserAuthenticationMethod.Read.All)',
      'no configured connector collects role_assignment',
    ]);
    expect(result!.summary).toBe('not evaluable: m365-main/mfa is failed: denied: the app lacks a permission (needs UserAuthenticationMethod.Read.All) (and 1 more)');
    expect(result!.threshold).toBe(0.9);
  });

  it('turns a throwing rule into not_evaluable, never pass', () => {
    const rule = fakeRule({
      evaluate: () => {
        throw new Error('boom');
      },
    });
    const [result] = evaluateRules(view, [rule]).results;
    expect(result).toMatchObject({ status: 'not_evaluable', reasons: ['rule error: boom'], measured: null, subjects: [] });
  });

  it('turns a malformed verdict into not_evaluable', () => {
    const rule = fakeRule({ evaluate: () => ({ ...passing, measured: Number.NaN }) });
    const [result] = evaluateRules(view, [rule]).results;
    expect(result!.status).toBe('not_evaluable');
    expect(result!.reasons[0]).toMatch(/^rule error: result is malformed at measured/);
  });

  it('gives a not_evaluable verdict without reasons its summary as the reason', () => {
    const rule = fakeRule({ evaluate: () => ({ ...passing, status: 'not_evaluable', summary: 'nothing to measure' }) });
    expect(evaluateRules(view, [rule]).results[0]!.reasons).toEqual(['nothing to measure']);
  });

  it('refuses a pass with no stored evidence behind it', () => {
    const snapshot = createSnapshot({ entities: [alice], pageHashes: {} });
    const [result] = evaluateRules(buildSnapshotView(snapshot), [fakeRule()]).results;
    expect(result!.status).toBe('not_evaluable');
    expect(result!.reasons).toEqual(['no stored raw pages back this result, so a pass cannot be evidenced']);
  });

  describe('a rule that declares where it applies', () => {
    const scoped = (evaluate = vi.fn(() => passing)): Rule => ({
      ...fakeRule({ requires: [{ entity: 'account' }, { entity: 'access_key' }], evaluate }),
      appliesTo: { entity: 'access_key', because: 'no AWS account is configured' },
    });

    it('is not applicable, never pass, when no connector collects its entity at all', () => {
      const evaluate = vi.fn(() => passing);
      const [result] = evaluateRules(view, [scoped(evaluate)]).results;
      expect(evaluate).not.toHaveBeenCalled();
      expect(result).toMatchObject({ status: 'not_evaluable', summary: 'not applicable: no AWS account is configured', reasons: ['not applicable: no AWS account is configured'] });
      expect(isNotApplicable(result!)).toBe(true);
    });

    it('is an ordinary not_evaluable when the stream exists but failed', () => {
      const snapshot = createSnapshot({
        entities: [alice],
        outcomes: [
          createOutcome({ entity: 'account' }),
          createOutcome({ connector: 'aws-iam', instance: 'aws-prod', entity: 'access_key', status: 'failed', failures: [{ kind: 'throttled', detail: 'IAM kept throttling' }] }),
        ],
      });
      const [result] = evaluateRules(buildSnapshotView(snapshot), [scoped()]).results;
      expect(result!.reasons).toEqual(['aws-prod/access_key is failed: throttled: IAM kept throttling']);
      expect(isNotApplicable(result!)).toBe(false);
    });

    it('is evaluated as usual when the stream is there', () => {
      const snapshot = createSnapshot({ entities: [alice], outcomes: [createOutcome({ entity: 'account' }), createOutcome({ entity: 'access_key' })] });
      const [result] = evaluateRules(buildSnapshotView(snapshot), [scoped()]).results;
      expect(result!.status).toBe('pass');
      expect(isNotApplicable(result!)).toBe(false);
    });
  });

  it('lists no exceptions on a result when none are configured, and validates exception rule ids like params', () => {
    expect(evaluateRules(view, [fakeRule()]).results[0]!.exceptions).toEqual([]);
    const exceptions = [{ rule: 'nope', subject: '*', reason: 'because', approvedBy: 'CISO', expires: '2099-01-01' }];
    expect(() => evaluateRules(view, [fakeRule()], { exceptions })).toThrow(/^organisation\.exceptions\[0\]\.rule: no rule has the id "nope"; known rules: fake$/);
  });

  it('throws on a rule id registered twice', () => {
    expect(() => evaluateRules(view, [fakeRule(), fakeRule()])).toThrow(/registered twice/);
  });
});
