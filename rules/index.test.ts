import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allRules, findRule } from './index.ts';
import { CONTROL_CATALOG, unknownControls } from './control-catalog.ts';

describe('rule registry', () => {
  it('has unique kebab-case ids and finds rules by id', () => {
    const ids = allRules.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(findRule('mfa-coverage')?.id).toBe('mfa-coverage');
    expect(findRule('nope')).toBeUndefined();
  });

  it.each(allRules.map((r) => [r.id, r] as const))('%s maps only to controls in the catalog', (_id, rule) => {
    expect(rule.controls.length).toBeGreaterThan(0);
    expect(unknownControls(rule.controls)).toEqual([]);
  });

  it.each(allRules.map((r) => [r.id, r] as const))('%s has defaults for every parameter', (_id, rule) => {
    expect(rule.paramsSchema.safeParse({}).success).toBe(true);
  });
});

describe('control catalog', () => {
  it('lists all 93 ISO 27001:2022 Annex A controls', () => {
    const iso = [...CONTROL_CATALOG.keys()].filter((k) => k.startsWith('ISO27001:2022/'));
    expect(iso).toHaveLength(37 + 8 + 14 + 34);
    expect(iso).toContain('ISO27001:2022/A.5.37');
    expect(iso).toContain('ISO27001:2022/A.8.34');
  });

  it('rejects ids that do not exist or are written differently', () => {
    expect(
      unknownControls(['ISO27001:2022/A.5.38', 'ISO27001:2022/A.9.1', 'ISO27001/A.8.5', 'SOC2/CC6.9', 'CISv8/6.30', 'CIS/6.3', 'ISO27001:2022/A.8.5']),
    ).toEqual(['ISO27001:2022/A.5.38', 'ISO27001:2022/A.9.1', 'ISO27001/A.8.5', 'SOC2/CC6.9', 'CISv8/6.30', 'CIS/6.3']);
  });
});

describe('rule imports', () => {
  // Rules stay pure and re-evaluable offline: they may read only src/core, the snapshot view and each other.
  // rules/ai-catalog/ holds the catalog matcher (pure too; its own purity test covers the folder).
  const allowed = /^(zod|\.\/(ai-catalog\/)?[a-z0-9-]+\.ts|\.\.\/src\/core\/[a-z0-9-]+\.ts|\.\.\/src\/evaluate\/snapshot-view\.ts)$/;
  const files = readdirSync(new URL('.', import.meta.url)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  it.each(files)('%s imports only src/core, the snapshot view and rules/', (file) => {
    const text = readFileSync(new URL(file, import.meta.url), 'utf8');
    const specifiers = [...text.matchAll(/(?:\bfrom|^import) '([^']+)'/gm)].map((m) => m[1]!);
    expect(specifiers.filter((s) => !allowed.test(s))).toEqual([]);
  });
});
