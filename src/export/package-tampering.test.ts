import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExportedFixture, type ExportedFixture } from './export-test-fixtures.ts';
import { readPackage } from './package-reader.ts';
import { verifyPackage } from './verify-package.ts';

/** Packages changed the way someone hiding a finding would change them; each must fail verify. */
describe('a tampered package', () => {
  let fx: ExportedFixture;
  beforeAll(async () => {
    fx = await buildExportedFixture();
  }, 30_000);
  afterAll(async () => fx.cleanup());

  const copy = (name: string): Promise<string> => fx.copy(name);
  const editManifest = async (name: string, edit: (text: string) => string): Promise<string> => {
    const dir = await copy(name);
    const file = join(dir, 'manifest.json');
    await writeFile(file, edit(await readFile(file, 'utf8')));
    return dir;
  };
  const edit = (change: (m: { signed: Record<string, unknown> & { files: Record<string, unknown>[] } }) => void) => (text: string) => {
    const m = JSON.parse(text) as { signed: Record<string, unknown> & { files: Record<string, unknown>[] } };
    change(m);
    return JSON.stringify(m, null, 2);
  };

  it('fails when a key is added inside `signed` without re-signing', async () => {
    const dir = await editManifest('extra-signed-key', edit((m) => void (m.signed.note = 'all controls passed')));
    const report = verifyPackage(await readPackage(dir));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'manifest', file: 'manifest.json', detail: expect.stringContaining('note') })]);
  });

  it('fails when a key is added inside a files[] entry without re-signing', async () => {
    const dir = await editManifest('extra-file-key', edit((m) => void (m.signed.files[0]!.comment = 'reviewed')));
    const report = verifyPackage(await readPackage(dir));
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'manifest', detail: expect.stringContaining('comment') });
  });

  it('fails a manifest.json that repeats a key, even when the last copy is the signed value', async () => {
    const dir = await editManifest('duplicate-key', (text) => text.replace('"format": "evidentia-export-manifest"', '"format": "something-else",\n    "format": "evidentia-export-manifest"'));
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toContain('something-else');
    const report = verifyPackage(await readPackage(dir));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'manifest', detail: expect.stringContaining('"format" appears twice in $.signed') })]);
  });

  it('still verifies the untouched package', async () => {
    expect(verifyPackage(await readPackage(fx.out)).problems).toEqual([]);
  });
});
