import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPackageCommand } from '../cli/commands/verify-package.ts';
import { EXIT } from '../cli/exit-codes.ts';
import { buildExportFixture, type ExportFixture } from './export-test-fixtures.ts';
import { readPackage } from './package-reader.ts';
import { verifyPackage } from './verify-package.ts';
import { craftZip, type CraftedEntry } from './zip-test-builder.ts';

/** Zips built by hand from a genuine package's files, changed the way a forger would change them. */
describe('a tampered zip package', () => {
  let fx: ExportFixture;
  let genuine: CraftedEntry[];
  beforeAll(async () => {
    fx = await buildExportFixture();
    const zip = join(fx.dir, 'genuine.zip');
    await fx.exportTo(zip);
    const pkg = await readPackage(zip);
    genuine = pkg.paths.map((name) => ({ name, data: pkg.read(name, Infinity)! }));
  }, 30_000);
  afterAll(async () => fx.cleanup());

  const write = async (name: string, zip: Buffer): Promise<string> => {
    const file = join(fx.dir, `${name}.zip`);
    await writeFile(file, zip);
    return file;
  };
  const verifyZip = async (name: string, zip: Buffer) => verifyPackage(await readPackage(await write(name, zip)));
  const fake = new TextEncoder().encode('<html>every control passed</html>');
  const swap = (name: string, change: Partial<CraftedEntry>) => genuine.map((e) => (e.name === name ? { ...e, ...change } : e));

  it('a zip re-built by hand from the genuine files verifies (the builder itself is sound)', async () => {
    expect((await verifyZip('rebuilt', craftZip(genuine))).problems).toEqual([]);
  });

  it('fails a zip holding a fake report.html before the genuine one', async () => {
    const report = await verifyZip('duplicate', craftZip([{ name: 'report.html', data: fake }, ...genuine]));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({ kind: 'zip', file: 'report.html', detail: 'the zip holds two entries named report.html: unzip tools differ in which one they show' }),
      // The first of the two is the one read, and it is not the signed one.
      expect.objectContaining({ kind: 'modified', file: 'report.html' }),
    ]);
  });

  it('fails names that clash once case, "\\", "./" or a leading "/" are set aside, and names with ".."', async () => {
    for (const name of ['REPORT.HTML', './report.html', '/report.html', 'manifests\\run-2.json', '../report.html']) {
      const report = await verifyZip('clash', craftZip([...genuine, { name, data: fake }]));
      expect(report.ok, name).toBe(false);
      expect(report.problems.filter((p) => p.kind === 'zip').map((p) => p.file), name).toContain(name);
    }
  });

  it('fails an entry whose local header names another file than the central directory', async () => {
    const report = await verifyZip('local-name', craftZip(swap('report.html', { localName: 'report.htm' })));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'zip', file: 'report.html', detail: expect.stringContaining('names "report.htm"') })]);
  });

  it('fails bytes that no entry covers: before the first entry, between entries, before the central directory', async () => {
    const junk = new TextEncoder().encode('hidden note');
    const before = await verifyZip('gap-start', craftZip(swap(genuine[0]!.name, { gapBefore: junk })));
    const between = await verifyZip('gap-mid', craftZip(swap('report.html', { gapBefore: junk })));
    const end = await verifyZip('gap-end', craftZip(genuine, { beforeCentralDirectory: junk }));
    for (const r of [before, between, end]) {
      expect(r.ok).toBe(false);
      expect(r.problems).toEqual([expect.objectContaining({ kind: 'zip', detail: expect.stringContaining(`${junk.length} bytes`) })]);
    }
  });

  it('reports damaged deflate data and an unsupported method as a modified file that cannot be read, exit 4', async () => {
    const damaged = await write('damaged', craftZip(swap('report.html', { rawData: new Uint8Array(64).fill(0xff) })));
    const report = verifyPackage(await readPackage(damaged));
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'modified', file: 'report.html', detail: expect.stringMatching(/^report\.html cannot be read \(its compressed data is damaged/) })]);
    const method = verifyPackage(await readPackage(await write('method', craftZip(swap('results.json', { method: 12 })))));
    expect(method.problems).toEqual([expect.objectContaining({ kind: 'modified', file: 'results.json', detail: 'results.json cannot be read (compression method 12 is not one `evidentia export` writes)' })]);

    let stdout = '';
    const sink = new Writable({ write: (c: Buffer, _e, cb) => ((stdout += c.toString()), cb()) });
    expect(await verifyPackageCommand({ location: damaged, stdout: sink })).toBe(EXIT.integrity);
    expect(stdout).toMatch(/^TAMPERED: .*1 problem\n {2}modified: report\.html cannot be read/);
  });

  it('refuses to inflate an entry declaring more bytes than the manifest signs, or inflating past what it declares', async () => {
    const html = genuine.find((e) => e.name === 'report.html')!;
    const big = new Uint8Array(html.data.length + 1_000_000).fill(0x20);
    const declared = await verifyZip('declared', craftZip(swap('report.html', { data: big })));
    expect(declared.problems).toEqual([expect.objectContaining({ kind: 'modified', file: 'report.html', detail: `report.html cannot be read (it declares ${big.length} bytes, more than the ${html.data.length} the manifest allows)` })]);
    const bomb = await verifyZip('bomb', craftZip(swap('report.html', { data: big, declaredSize: html.data.length })));
    expect(bomb.problems).toEqual([expect.objectContaining({ kind: 'modified', file: 'report.html', detail: 'report.html cannot be read (its data inflates to more than its declared size)' })]);
  });
});
