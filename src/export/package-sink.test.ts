import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPackageSink } from './package-sink.ts';

describe('where a package is written', () => {
  let dir: string;
  const now = () => new Date('2026-11-20T12:00:00.000Z');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'evidentia-sink-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('writes `--out audit-2026/` (trailing slash) as the folder audit-2026, with its temporary folder beside it', async () => {
    const sink = await openPackageSink(`${join(dir, 'audit-2026')}/`, now);
    await sink.add('results.json', '{}');
    expect((await readdir(dir)).filter((n) => n.startsWith('audit-2026.partial-'))).toHaveLength(1);
    await sink.commit();
    expect(await readdir(dir)).toEqual(['audit-2026']);
    expect(await readFile(join(dir, 'audit-2026', 'results.json'), 'utf8')).toBe('{}');
  });

  it('replaces an empty folder named with a trailing slash', async () => {
    await mkdir(join(dir, 'audit'));
    const sink = await openPackageSink(`${join(dir, 'audit')}//`, now);
    await sink.add('a.txt', 'a');
    await sink.commit();
    expect(await readdir(join(dir, 'audit'))).toEqual(['a.txt']);
  });

  it('never deletes a folder that filled while the package was written', async () => {
    await mkdir(join(dir, 'audit'));
    const sink = await openPackageSink(join(dir, 'audit'), now);
    await sink.add('a.txt', 'a');
    await writeFile(join(dir, 'audit', 'someone-elses.txt'), 'keep me');
    await expect(sink.commit()).rejects.toThrow(/was filled while the package was being written/);
    expect(await readFile(join(dir, 'audit', 'someone-elses.txt'), 'utf8')).toBe('keep me');
    await sink.abort();
  });

  it('never writes a zip over a file that appeared at --out while the package was written', async () => {
    const out = join(dir, 'audit.zip');
    const sink = await openPackageSink(out, now);
    await sink.add('a.txt', 'a');
    await writeFile(out, 'not ours');
    await expect(sink.commit()).rejects.toThrow(/was created while the package was being written/);
    expect(await readFile(out, 'utf8')).toBe('not ours');
    await sink.abort();
    expect(await readdir(dir)).toEqual(['audit.zip']);
  });
});
