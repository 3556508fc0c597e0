import { readFileSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { unzipSync } from 'fflate';
import { AgentError, UsageError } from '../core/errors.ts';

/** The files of a package (folder or zip), by `/`-separated path. */
export interface PackageContents {
  paths: string[];
  read(path: string): Uint8Array | null;
  /** Entries that are not regular files (symlinks, devices): reported, never followed. */
  oddEntries: string[];
}

export async function readPackage(location: string): Promise<PackageContents> {
  let info;
  try {
    info = await lstat(location);
  } catch (e) {
    throw new UsageError(`${location}: no such package; give the folder or .zip that \`evidentia export\` wrote`);
  }
  if (info.isDirectory()) return readDir(location);
  if (info.isFile()) return readZip(location);
  throw new UsageError(`${location}: not a folder or a zip file`);
}

async function readDir(root: string): Promise<PackageContents> {
  const files = new Map<string, string>();
  const oddEntries: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(root, full).split(sep).join('/');
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) files.set(rel, full);
      else oddEntries.push(rel);
    }
  };
  await walk(root);
  // Read when asked, one file at a time: a year's package is hundreds of megabytes.
  return { paths: [...files.keys()].sort(), read: (p) => (files.has(p) ? readFileSync(files.get(p)!) : null), oddEntries };
}

async function readZip(file: string): Promise<PackageContents> {
  const data = await readFile(file);
  let names: string[];
  try {
    // The filter sees every entry's name without inflating any: a listing, not an extraction.
    names = [];
    unzipSync(data, { filter: (f) => (names.push(f.name), false) });
  } catch (e) {
    throw new AgentError('usage', `${file}: not a readable zip (${e instanceof Error ? e.message : String(e)}); give the folder or .zip that \`evidentia export\` wrote`, { cause: e });
  }
  const paths = new Set(names.filter((p) => !p.endsWith('/')));
  // Inflates one entry per read, so only the compressed zip and one file are in memory at a time.
  const read = (p: string): Uint8Array | null => (paths.has(p) ? (unzipSync(data, { filter: (f) => f.name === p })[p] ?? null) : null);
  return { paths: [...paths].sort(), read, oddEntries: [] };
}
