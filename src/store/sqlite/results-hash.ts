import { createHash } from 'node:crypto';
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

/**
 * The same hash as `resultsHash`, from results already in canonical JSON: at 100k users they are
 * ~8 MB, and serialising them a second time only to hash them costs as much memory again.
 * Canonical key order is evaluatedAt < paramsDigest < results < runManifestHash.
 */
export function resultsHashOfJson(input: Omit<ResultsHashInput, 'results'> & { resultsJson: string }): string {
  const { resultsJson, ...rest } = input;
  return resultsHashOfParts({ ...rest, resultJsons: null, resultsJson });
}

/**
 * The same hash again, from each result's canonical JSON (the array's text is '[' + them
 * comma-joined + ']'), without building that array text: results are stored one per rule.
 */
export function resultsHashOfResultJsons(input: Omit<ResultsHashInput, 'results'> & { resultJsons: readonly string[] }): string {
  return resultsHashOfParts({ ...input, resultsJson: null });
}

/** The text `resultsHashOfJson` hashes, for handing an evaluation over exactly as hashed (export). */
export function hashedEvaluationText(input: Omit<ResultsHashInput, 'results'> & { resultsJson: string }): string {
  const { head, tail } = textAround(input);
  return `${head}${input.resultsJson}${tail}`;
}

function resultsHashOfParts(input: Omit<ResultsHashInput, 'results'> & { resultsJson: string | null; resultJsons: readonly string[] | null }): string {
  const { resultsJson, resultJsons } = input;
  const { head, tail } = textAround(input);
  const hash = createHash('sha256').update(head);
  if (resultsJson !== null) hash.update(resultsJson);
  else {
    hash.update('[');
    resultJsons!.forEach((json, i) => hash.update(i === 0 ? json : `,${json}`));
    hash.update(']');
  }
  return hash.update(tail).digest('hex');
}

/** Canonical JSON around the results: key order evaluatedAt < paramsDigest < results < runManifestHash. */
function textAround(input: Omit<ResultsHashInput, 'results'>): { head: string; tail: string } {
  return {
    head: `{"evaluatedAt":${canonicalJson(input.evaluatedAt)},"paramsDigest":${canonicalJson(input.paramsDigest)},"results":`,
    tail: `,"runManifestHash":${canonicalJson(input.runManifestHash)}}`,
  };
}
