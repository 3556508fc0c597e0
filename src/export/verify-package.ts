import { createPublicKey, type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../core/canonical-json.ts';
import { MANIFEST_FILE, packageManifest, type PackageManifest } from './package-manifest.ts';
import { UnreadableEntry, type PackageContents } from './package-reader.ts';
import { exportResults } from './results-format.ts';
import { fingerprintOf, verifyText } from './signing-keys.ts';
import { parseJsonRefusingDuplicateKeys } from './strict-json.ts';

export type PackageProblemKind = 'manifest' | 'signature' | 'key' | 'modified' | 'missing' | 'added' | 'chain' | 'results' | 'zip';

/** manifest.json and files the manifest does not list are read up to this size; listed files up to their signed size. */
const UNLISTED_MAX_BYTES = 64 * 1024 * 1024;

export interface PackageProblem {
  kind: PackageProblemKind;
  /** The file the problem is in, when there is one. */
  file: string | null;
  detail: string;
}

export interface PackageVerifyReport {
  ok: boolean;
  problems: PackageProblem[];
  /** Fingerprint of the key the signature was checked with. */
  keyFingerprint: string | null;
  /** True when the auditor's own copy of the public key (`--key`) was used. */
  pinned: boolean;
  filesChecked: number;
  runsChecked: number;
  org: string | null;
  period: { from: string; to: string } | null;
  lastManifestHash: string | null;
}

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

/**
 * Checks a package offline: the signature over the manifest, every file's SHA-256, missing and
 * added files, each run manifest's hash and the links between them, each evaluation file against
 * its results hash. `pinnedKeyPem` is the auditor's trusted copy of the public key; without it the
 * key inside the package is used, which proves the package is whole but not who made it.
 */
export function verifyPackage(pkg: PackageContents, opts: { pinnedKeyPem?: string } = {}): PackageVerifyReport {
  const problems: PackageProblem[] = [];
  const say = (kind: PackageProblemKind, file: string | null, detail: string) => problems.push({ kind, file, detail });
  const report = (extra: Partial<PackageVerifyReport>): PackageVerifyReport => ({ ok: problems.length === 0, problems, keyFingerprint: null, pinned: opts.pinnedKeyPem !== undefined, filesChecked: 0, runsChecked: 0, org: null, period: null, lastManifestHash: null, ...extra });

  for (const p of pkg.containerProblems) say('zip', p.file, p.detail);
  // A file that cannot be read (damaged zip data, unsupported method, larger than signed) is a
  // modified file, reported once; it is never an error of the verifier.
  const unreadable = new Set<string>();
  let listed = new Map<string, { bytes: number }>();
  const read = (path: string): Uint8Array | null => {
    if (unreadable.has(path)) return null;
    try {
      return pkg.read(path, listed.get(path)?.bytes ?? UNLISTED_MAX_BYTES);
    } catch (e) {
      if (!(e instanceof UnreadableEntry)) throw e;
      unreadable.add(path);
      say('modified', path, e.message);
      return null;
    }
  };

  const raw = read(MANIFEST_FILE);
  if (raw === null) {
    if (unreadable.has(MANIFEST_FILE)) return report({});
    say('missing', MANIFEST_FILE, `${MANIFEST_FILE} is missing: without it nothing in the package can be checked`);
    return report({});
  }
  let manifest: PackageManifest;
  // What was signed is the `signed` object as written, not as the schema read it: checking the
  // parsed copy would let anything the parser drops ride along unsigned.
  let signedText: string;
  try {
    const json = parseJsonRefusingDuplicateKeys(text(raw));
    const parsed = packageManifest.safeParse(json);
    if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 3).join('; '));
    manifest = parsed.data;
    signedText = canonicalJson((json as { signed: unknown }).signed);
  } catch (e) {
    say('manifest', MANIFEST_FILE, `${MANIFEST_FILE} is not a readable export manifest (${e instanceof Error ? e.message : String(e)})`);
    return report({});
  }
  const { signed } = manifest;
  listed = new Map(signed.files.map((f) => [f.path, f]));

  // 1. The key and the signature.
  let key: KeyObject | null = null;
  if (opts.pinnedKeyPem !== undefined) {
    key = createPublicKey(opts.pinnedKeyPem);
    const pinned = fingerprintOf(key);
    if (pinned !== signed.publicKey.fingerprint) say('key', signed.publicKey.file, `the package was signed with key ${signed.publicKey.fingerprint}, not with the pinned key ${pinned}`);
  } else {
    const pem = read(signed.publicKey.file);
    if (pem === null) say('missing', signed.publicKey.file, `${signed.publicKey.file} (the public key) is missing; verify with --key <public.pem>`);
    else {
      try {
        key = createPublicKey(text(pem));
        const fp = fingerprintOf(key);
        if (fp !== signed.publicKey.fingerprint) say('key', signed.publicKey.file, `${signed.publicKey.file} has fingerprint ${fp}, but the manifest names ${signed.publicKey.fingerprint}`);
      } catch {
        say('key', signed.publicKey.file, `${signed.publicKey.file} is not a readable public key`);
      }
    }
  }
  if (key !== null && !verifyText(key, signedText, manifest.signature.value)) {
    say('signature', MANIFEST_FILE, `the signature of ${MANIFEST_FILE} does not match its content${opts.pinnedKeyPem !== undefined ? ' under the pinned key' : ''}: the manifest was changed after signing, or signed by another key`);
  }

  // 2. Every file: modified, missing, added.
  for (const f of signed.files) {
    const data = read(f.path);
    if (data === null && unreadable.has(f.path)) continue;
    if (data === null) say('missing', f.path, `${f.path} is missing (listed in ${MANIFEST_FILE})`);
    else if (sha256Hex(data) !== f.sha256) say('modified', f.path, `${f.path} was modified: its SHA-256 is ${sha256Hex(data)}, the manifest says ${f.sha256}`);
  }
  for (const p of pkg.paths) if (p !== MANIFEST_FILE && !listed.has(p)) say('added', p, `${p} was added: it is not listed in ${MANIFEST_FILE}`);
  for (const p of pkg.oddEntries) say('added', p, `${p} is not a regular file (a link or device) and is not part of any package`);

  // 3. The run chain: each manifest file hashes to its run's manifest hash, and the links hold.
  const { chain } = signed;
  chain.runs.forEach((link, i) => {
    const before = chain.runs[i - 1];
    const expected = before ? before.manifestHash : chain.previousOfFirst;
    if (link.previousManifestHash !== expected) say('chain', link.file, `run ${link.runId} links to ${String(link.previousManifestHash)}, but the run before it in the chain has manifest hash ${String(expected)}: a run is missing or out of place`);
    const data = read(link.file);
    if (data === null) return; // already reported as missing (or never listed, which the signature covers)
    if (sha256Hex(data) !== link.manifestHash) say('chain', link.file, `${link.file}: its SHA-256 is not run ${link.runId}'s manifest hash ${link.manifestHash}`);
    let m: { runId?: unknown; previousManifestHash?: unknown };
    try {
      m = JSON.parse(text(data)) as typeof m;
    } catch {
      say('chain', link.file, `${link.file} is not readable JSON`);
      return;
    }
    if (m.runId !== link.runId) say('chain', link.file, `${link.file} is the manifest of run ${String(m.runId)}, not of run ${link.runId}`);
    if (m.previousManifestHash !== link.previousManifestHash) say('chain', link.file, `${link.file}: previousManifestHash ${String(m.previousManifestHash)} differs from the chain listed in ${MANIFEST_FILE}`);
  });
  if ((chain.runs[0]?.manifestHash ?? null) !== chain.firstManifestHash || (chain.runs.at(-1)?.manifestHash ?? null) !== chain.lastManifestHash) {
    say('chain', MANIFEST_FILE, 'the first or last manifest hash of the chain does not match its runs');
  }

  // 4. Evaluation files against their results hashes (results.json is itself covered by the file hashes).
  // A results.json already reported as modified is not read further: its claims cannot be trusted.
  const resultsRaw = problems.some((p) => p.file === 'results.json') ? null : read('results.json');
  if (resultsRaw !== null) {
    try {
      const results = exportResults.parse(JSON.parse(text(resultsRaw)));
      const chained = new Map(chain.runs.map((l) => [l.runId, l.manifestHash]));
      for (const run of results.runs) {
        if (chained.get(run.runId) !== run.manifestHash) say('results', 'results.json', `results.json lists run ${run.runId} with manifest hash ${run.manifestHash}, which is not in the signed chain`);
        const ev = run.evaluation;
        if (!ev) continue;
        const data = read(ev.file);
        if (data === null) continue;
        if (sha256Hex(data) !== ev.resultsHash) say('results', ev.file, `${ev.file}: its SHA-256 is not the results hash ${ev.resultsHash} of run ${run.runId}`);
        const first = run.rejudged?.first;
        const firstData = first ? read(first.file) : null;
        if (first && firstData !== null && sha256Hex(firstData) !== first.resultsHash) say('results', first.file, `${first.file}: its SHA-256 is not the results hash ${first.resultsHash} of run ${run.runId}'s first evaluation`);
      }
    } catch (e) {
      say('results', 'results.json', `results.json is not a readable export (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    }
  }

  return report({ keyFingerprint: key ? fingerprintOf(key) : null, filesChecked: signed.files.length, runsChecked: chain.runs.length, org: signed.org.id, period: signed.period, lastManifestHash: chain.lastManifestHash });
}
