import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { link, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Zip, ZipDeflate } from 'fflate';
import { sha256Hex } from '../core/canonical-json.ts';
import { UsageError } from '../core/errors.ts';

/** One file of a package as `manifest.json` lists it. */
export interface PackagedFile {
  /** Path inside the package, `/`-separated, e.g. `manifests/run-12.json`. */
  path: string;
  sha256: string;
  bytes: number;
}

/**
 * Where a package is written: a folder, or a zip when `--out` ends in `.zip`. Files are written one
 * at a time as they are produced (never all held at once) and hashed on the way. Everything goes to
 * a temporary sibling first and is renamed into place by `commit`, so a failed export leaves no
 * half-written package that could be mistaken for a whole one.
 */
export interface PackageSink {
  add(path: string, content: string | Uint8Array): Promise<PackagedFile>;
  /**
   * A file written in pieces while other files are added (OSCAL results, one run at a time), so a
   * year of runs is never held in memory. Its pieces go to disk as they come.
   */
  openStream(path: string): Promise<StreamedFile>;
  /** Finishes the package and moves it to its final place. */
  commit(): Promise<void>;
  /** Removes the temporary output (after an error). */
  abort(): Promise<void>;
}

/**
 * `--out` without trailing separators: `audit-2026/` names the folder `audit-2026`, and the
 * temporary sibling must sit beside it, never inside the folder that replaces it at commit.
 */
export function packageOutPath(out: string): string {
  const trimmed = out.replace(/[\\/]+$/, '');
  if (trimmed === '') throw new UsageError(`--out ${out}: give a new folder or .zip path for the package, e.g. --out audit-2026`);
  return trimmed;
}

export async function openPackageSink(given: string, now: () => Date): Promise<PackageSink> {
  const out = packageOutPath(given);
  if (await occupied(out)) throw new UsageError(`--out ${given} already exists and is not an empty folder; choose a new path (a package is never written over another)`);
  await mkdir(dirname(out), { recursive: true });
  const temp = join(dirname(out), `${basename(out)}.partial-${process.pid}-${now().getTime()}`);
  return out.toLowerCase().endsWith('.zip') ? zipSink(out, temp) : dirSink(out, temp);
}

export interface StreamedFile {
  write(content: string | Uint8Array): void;
  end(): Promise<PackagedFile>;
}

/** Appends to a file on disk and hashes on the way. */
function diskStream(file: string, path: string, onEnd: (bytes: number) => Promise<void> = async () => undefined): StreamedFile {
  const fd = openSync(file, 'wx', 0o644);
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    write(content) {
      const data = bytesOf(content);
      hash.update(data);
      bytes += data.byteLength;
      writeSync(fd, data);
    },
    async end() {
      closeSync(fd);
      await onEnd(bytes);
      return { path, sha256: hash.digest('hex'), bytes };
    },
  };
}

function bytesOf(content: string | Uint8Array): Uint8Array {
  return typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
}

function describe(path: string, data: Uint8Array): PackagedFile {
  return { path, sha256: sha256Hex(data), bytes: data.byteLength };
}

function checkPath(path: string): void {
  // Paths come from this code, never from tenant data, but a slip must not write outside the package.
  if (!/^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/i.test(path)) throw new Error(`package path ${JSON.stringify(path)} is not a plain relative path`);
}

async function dirSink(out: string, temp: string): Promise<PackageSink> {
  await mkdir(temp, { recursive: true });
  return {
    async add(path, content) {
      checkPath(path);
      const data = bytesOf(content);
      await mkdir(dirname(join(temp, path)), { recursive: true });
      await writeFile(join(temp, path), data, { flag: 'wx' });
      return describe(path, data);
    },
    async openStream(path) {
      checkPath(path);
      await mkdir(dirname(join(temp, path)), { recursive: true });
      return diskStream(join(temp, path), path);
    },
    async commit() {
      // An empty folder named by --out is replaced; anything else was refused above. rmdir is not
      // recursive: should the folder have filled since, this fails instead of deleting it.
      await rmEmptyDir(out);
      await rename(temp, out);
    },
    abort: () => rm(temp, { recursive: true, force: true }),
  };
}

async function zipSink(out: string, temp: string): Promise<PackageSink> {
  const fd = openSync(temp, 'wx', 0o644);
  let failure: Error | null = null;
  // fflate calls back synchronously as data is compressed; writing synchronously keeps memory to one file.
  const zip = new Zip((err, chunk, final) => {
    if (err) failure = err;
    else writeSync(fd, chunk);
    if (final || err) closeSync(fd);
  });
  const mtime = new Date('2000-01-01T00:00:00Z');
  const sideFiles: string[] = [];
  return {
    async add(path, content) {
      checkPath(path);
      const data = bytesOf(content);
      const entry = new ZipDeflate(path, { level: 6 });
      entry.mtime = mtime;
      zip.add(entry);
      entry.push(data, true);
      if (failure) throw failure;
      return describe(path, data);
    },
    async openStream(path) {
      checkPath(path);
      // A zip entry's data must be contiguous, so the pieces wait in a side file and go in at the end.
      const side = `${temp}.${sideFiles.length}.part`;
      sideFiles.push(side);
      return diskStream(side, path, async () => {
        const entry = new ZipDeflate(path, { level: 6 });
        entry.mtime = mtime;
        zip.add(entry);
        const rfd = openSync(side, 'r');
        try {
          // A fresh buffer per chunk: the compressor may still refer to the previous one.
          for (let chunk = Buffer.alloc(1 << 20), n = readSync(rfd, chunk); n > 0; chunk = Buffer.alloc(1 << 20), n = readSync(rfd, chunk)) entry.push(chunk.subarray(0, n));
          entry.push(new Uint8Array(0), true);
        } finally {
          closeSync(rfd);
          await rm(side, { force: true });
        }
        if (failure) throw failure;
      });
    },
    async commit() {
      zip.end();
      if (failure) throw failure;
      // link() fails when --out exists (rename would replace it): a zip written there meanwhile stays.
      try {
        await link(temp, out);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`--out ${out} was created while the package was being written; nothing was written over it, choose a new path`);
        throw e;
      }
      await rm(temp, { force: true });
    },
    abort: async () => {
      try {
        zip.terminate();
        closeSync(fd);
      } catch {
        // already closed
      }
      await rm(temp, { force: true });
      for (const side of sideFiles) await rm(side, { force: true });
    },
  };
}

async function occupied(path: string): Promise<boolean> {
  try {
    const s = await stat(path);
    if (!s.isDirectory()) return true;
    return (await readdir(path)).length > 0;
  } catch {
    return false;
  }
}

async function rmEmptyDir(path: string): Promise<void> {
  try {
    await rmdir(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new UsageError(`--out ${path} was filled while the package was being written; nothing was written over it, choose a new path`);
    }
    throw e;
  }
}
