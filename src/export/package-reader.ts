import { readFileSync, statSync } from 'node:fs';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { AgentError, UsageError } from '../core/errors.ts';
import { listZip, readZipEntry, UnreadableEntry, type ZipEntry } from './zip-entries.ts';

export { UnreadableEntry } from './zip-entries.ts';

/** The files of a package (folder or zip), by `/`-separated path. */
export interface PackageContents {
  paths: string[];
  /**
   * The file's bytes, null when there is no such file. Throws `UnreadableEntry` when it cannot be
   * read (damaged zip data, unsupported method) or is larger than `maxBytes`, checked before
   * anything is inflated or read.
   */
  read(path: string, maxBytes: number): Uint8Array | null;
  /** How the container itself was tampered with (a zip's repeated or hidden entries); empty for a folder. */
  containerProblems: { file: string | null; detail: string }[];
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
  const read = (p: string, maxBytes: number): Uint8Array | null => {
    const full = files.get(p);
    if (full === undefined) return null;
    const size = statSync(full).size;
    if (size > maxBytes) throw new UnreadableEntry(p, `it is ${size} bytes, more than the ${maxBytes} the manifest allows`);
    return readFileSync(full);
  };
  return { paths: [...files.keys()].sort(), read, oddEntries, containerProblems: [] };
}

async function readZip(file: string): Promise<PackageContents> {
  const data = await readFile(file);
  let listing;
  try {
    listing = listZip(data);
  } catch (e) {
    throw new AgentError('usage', `${file}: not a readable zip (${e instanceof Error ? e.message : String(e)}); give the folder or .zip that \`evidentia export\` wrote`, { cause: e });
  }
  // The first entry of a name is the one read; a second one is already a reported problem.
  const entries = new Map<string, ZipEntry>();
  for (const e of listing.entries) if (!e.name.endsWith('/') && !entries.has(e.name)) entries.set(e.name, e);
  // Inflates one entry per read, so only the compressed zip and one file are in memory at a time.
  const read = (p: string, maxBytes: number): Uint8Array | null => {
    const e = entries.get(p);
    return e ? readZipEntry(data, e, maxBytes) : null;
  };
  return { paths: [...entries.keys()].sort(), read, oddEntries: [], containerProblems: listing.problems };
}
