import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExportedFixture, type ExportedFixture } from './export-test-fixtures.ts';
import { oscalDateTime, oscalResultOf, oscalWriter, stableUuid } from './oscal-assessment-results.ts';

/** NIST's OSCAL 1.0.6 assessment-results JSON schema, unmodified (public domain), kept in the repo so CI needs no download. */
const SCHEMA = new URL('./schemas/oscal_assessment-results_schema.json', import.meta.url);

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

async function validator() {
  const schema = JSON.parse(await readFile(SCHEMA, 'utf8')) as Record<string, unknown>;
  // The schema is draft-07 (its `$schema`), which Ajv's default class speaks; OSCAL's token pattern uses \p{L}, so unicode regexps.
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: true });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe('OSCAL assessment results', () => {
  let fx: ExportedFixture;
  let doc: { 'assessment-results': { results: { findings?: { target: { 'target-id': string; status: { state: string } }; props: { value: string }[] }[]; observations?: { 'relevant-evidence': { props: { name: string; value: string }[] }[] }[] }[] } };
  beforeAll(async () => {
    fx = await buildExportedFixture();
    doc = JSON.parse(await readFile(join(fx.out, 'oscal-assessment-results.json'), 'utf8')) as typeof doc;
  }, 30_000);
  afterAll(async () => fx.cleanup());

  it('validates against the OSCAL 1.0.6 assessment-results schema', async () => {
    const validate = await validator();
    const ok = validate(doc);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).toEqual([]);
    expect(ok).toBe(true);
    // The validator is strict where OSCAL is: a fraction with a trailing zero is not an OSCAL date-time.
    const broken = structuredClone(doc) as unknown as { 'assessment-results': { results: { start: string }[] } };
    broken['assessment-results'].results[0]!.start = '2026-09-28T09:00:00.000Z';
    expect(validate(broken)).toBe(false);
  });

  it('has one result per evaluated run, findings per rule and Annex A control, observations pointing at the evidence hashes', async () => {
    const results = doc['assessment-results'].results;
    expect(results).toHaveLength(4);
    const last = results.at(-1)!;
    const a65 = last.findings!.filter((f) => f.target['target-id'] === 'a.6.5_smt');
    expect(a65.length).toBeGreaterThan(0);
    // Run 6 has no MFA stream: mfa-coverage is not evaluable, which is never "satisfied".
    const mfa = last.findings!.filter((f) => f.props.some((p) => p.value === 'mfa-coverage'));
    expect(mfa.map((f) => f.target.status.state)).toEqual(['not-satisfied', 'not-satisfied']);
    const hashes = last.observations!.flatMap((o) => o['relevant-evidence'].flatMap((e) => e.props.filter((p) => p.name === 'evidence-sha256').map((p) => p.value)));
    const manifest = JSON.parse(await readFile(join(fx.out, 'manifests', 'run-6.json'), 'utf8')) as { pages: { hash: string }[] };
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes) expect(manifest.pages.map((p) => p.hash)).toContain(h);
  });

  it('still validates for a period without any evaluated run', async () => {
    const validate = await validator();
    let text = '';
    const writer = oscalWriter({ org: { id: 'acme', name: 'Acme' }, period: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' }, generatedAt: '2026-02-01T10:00:00.120Z', toolVersion: '0.1.0' }, (t) => (text += t));
    writer.end();
    const empty = JSON.parse(text) as { 'assessment-results': { results: { title: string }[] } };
    expect(validate(empty), JSON.stringify(validate.errors)).toBe(true);
    expect(empty['assessment-results'].results.map((r) => r.title)).toEqual(['No evaluated run in the period']);
  });

  it('writes date-times OSCAL accepts (no trailing zero fraction) and stable v5-layout UUIDs', () => {
    expect(oscalDateTime('2026-11-20T09:00:00.000Z')).toBe('2026-11-20T09:00:00Z');
    expect(oscalDateTime('2026-11-20T09:00:00.120Z')).toBe('2026-11-20T09:00:00.12Z');
    expect(stableUuid('x')).toBe(stableUuid('x'));
    expect(stableUuid('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives the same run and evaluation ids of two stores different UUIDs, and the same evidence the same UUIDs', async () => {
    const run = (await fx.store.getRun(2))!;
    const evaluation = (await fx.store.latestEvaluation(2))!;
    const files = { manifest: 'manifests/run-2.json', evaluation: 'evaluations/run-2.json' };
    const uuids = (r: unknown): string[] => JSON.stringify(r).match(/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g) ?? [];
    const here = uuids(oscalResultOf(run, evaluation, files));
    expect(here.length).toBeGreaterThan(3);
    expect(uuids(oscalResultOf(run, evaluation, files))).toEqual(here);
    // Another store's run 2 with its evaluation 2: same ids, other evidence.
    const elsewhere = uuids(oscalResultOf({ ...run, manifestHash: 'e'.repeat(64) }, { ...evaluation, resultsHash: 'f'.repeat(64) }, files));
    expect(elsewhere.filter((u) => here.includes(u))).toEqual([]);
    const otherResults = uuids(oscalResultOf(run, { ...evaluation, resultsHash: 'f'.repeat(64) }, files));
    expect(otherResults.filter((u) => here.includes(u))).toEqual([]);
  });
});
