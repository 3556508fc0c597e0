import { z } from 'zod';
import { canonicalJson } from '../core/canonical-json.ts';
import type { PackagedFile } from './package-sink.ts';
import { signText, type SigningKey } from './signing-keys.ts';

/** `manifest.json`: what the package holds and rests on, signed. Format version 1. */
export const MANIFEST_FILE = 'manifest.json';
export const PUBLIC_KEY_IN_PACKAGE = 'public-key.pem';
export const MANIFEST_FORMAT = 'evidentia-export-manifest';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const chainLink = z.object({ runId: z.number().int(), manifestHash: hex64, previousManifestHash: hex64.nullable(), file: z.string() }).strict();
export type ChainLink = z.infer<typeof chainLink>;

// Every object under `signed` is strict: a key the schema does not know would be signed but never
// checked, so content could ride along under a valid signature. Verify refuses it instead.
export const signedManifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(1),
  toolVersion: z.string(),
  org: z.object({ id: z.string(), name: z.string() }).strict(),
  period: z.object({ from: z.string(), to: z.string() }).strict(),
  generatedAt: z.string(),
  /** SHA-256 of the organisation's effective config at export time (no secrets in it). */
  configDigest: z.string(),
  /**
   * The run chain the package rests on, in chain order: each run's `previousManifestHash` is the
   * `manifestHash` of the one before. `previousOfFirst` links to the run before the period (not in
   * the package); compare `lastManifestHash` with a chain head kept elsewhere.
   */
  chain: z.object({
    firstManifestHash: hex64.nullable(),
    lastManifestHash: hex64.nullable(),
    previousOfFirst: hex64.nullable(),
    runs: z.array(chainLink),
  }).strict(),
  /** Every file of the package except manifest.json itself. */
  files: z.array(z.object({ path: z.string(), sha256: hex64, bytes: z.number().int().nonnegative() }).strict()),
  publicKey: z.object({ file: z.string(), fingerprint: z.string() }).strict(),
}).strict();
export type SignedManifest = z.infer<typeof signedManifest>;

export const packageManifest = z.object({
  signed: signedManifest,
  signature: z.object({
    algorithm: z.literal('Ed25519'),
    keyFingerprint: z.string(),
    /** What was signed, for verifiers outside Evidentia. */
    over: z.string(),
    /** Base64 Ed25519 signature. */
    value: z.string(),
  }).strict(),
}).strict();
export type PackageManifest = z.infer<typeof packageManifest>;

export const SIGNED_OVER = 'the UTF-8 bytes of `signed` as canonical JSON (RFC 8785 key order, no whitespace)';

export function signManifest(signed: SignedManifest, key: SigningKey): PackageManifest {
  return { signed, signature: { algorithm: 'Ed25519', keyFingerprint: key.fingerprint, over: SIGNED_OVER, value: signText(key.privateKey, canonicalJson(signed)) } };
}

/** Orders sealed runs by their chain links (sealing order), falling back to id order where a link is missing. */
export function chainOrder<T extends { id: number; manifestHash: string | null; previousManifestHash: string | null }>(runs: readonly T[]): T[] {
  const byPrev = new Map(runs.map((r) => [r.previousManifestHash, r]));
  const hashes = new Set(runs.map((r) => r.manifestHash));
  const starts = runs.filter((r) => r.previousManifestHash === null || !hashes.has(r.previousManifestHash));
  if (starts.length !== 1) return [...runs].sort((a, b) => a.id - b.id);
  const out: T[] = [];
  for (let r: T | undefined = starts[0]; r && out.length < runs.length; r = byPrev.get(r.manifestHash)) out.push(r);
  return out.length === runs.length ? out : [...runs].sort((a, b) => a.id - b.id);
}

export function describeFiles(files: readonly PackagedFile[]): SignedManifest['files'] {
  return [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
