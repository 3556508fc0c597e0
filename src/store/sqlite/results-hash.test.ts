import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../core/canonical-json.ts';
import { result } from '../store-test-fixtures.ts';
import { resultsHash, resultsHashOfJson } from './results-hash.ts';

describe('results hash', () => {
  it('is the same whether the results are given as values or as their canonical JSON', () => {
    const results = [result('mfa-coverage'), result('admin-mfa', { status: 'pass', subjects: [] })];
    const meta = { runManifestHash: 'a'.repeat(64), evaluatedAt: '2026-11-22T10:00:00Z', paramsDigest: 'p"q' };
    expect(resultsHashOfJson({ ...meta, resultsJson: canonicalJson(results) })).toBe(resultsHash({ ...meta, results }));
    expect(resultsHashOfJson({ ...meta, resultsJson: canonicalJson(results.slice(1)) })).not.toBe(resultsHash({ ...meta, results }));
  });
});
