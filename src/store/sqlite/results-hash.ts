import { canonicalJson, sha256Hex } from '../../core/canonical-json.ts';

/**
 * What an evaluation's hash covers: the sealed run it judged (by manifest hash, so the results are
 * bound to that exact evidence), when, with which parameters, and the results themselves.
 */
export interface ResultsHashInput {
  runManifestHash: string;
  evaluatedAt: string;
  paramsDigest: string;
  results: unknown;
}

export function resultsHash(input: ResultsHashInput): string {
  // Spelled out so an object with extra members hashes the same as one without.
  const { runManifestHash, evaluatedAt, paramsDigest, results } = input;
  return sha256Hex(canonicalJson({ runManifestHash, evaluatedAt, paramsDigest, results }));
}
