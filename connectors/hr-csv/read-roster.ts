import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentError } from '../../src/core/errors.ts';

export interface RosterFile {
  /** Absolute path that was read. */
  path: string;
  /** `file://` URL of it: the page's request URL. */
  url: string;
  /** The file's text, BOM included, exactly as its UTF-8 bytes say. */
  text: string;
  bytes: number;
}

/**
 * Reads the roster. Failures are AgentErrors whose code the collector turns into the failure kind
 * a person should read: no read permission → `denied` (an admin must grant it); missing, not a
 * file, too large or not UTF-8 → `invalid` (the config or the export is wrong). Other I/O errors
 * are passed through (`transient`: a disk or network share hiccup).
 */
export async function readRosterFile(file: string, maxBytes: number): Promise<RosterFile> {
  const path = resolve(file);
  let bytes: Buffer;
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    // Refuse FIFOs and devices before reading: they can block forever.
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile()) throw new AgentError('invalid_response', `roster file ${path} is not a regular file; point \`file\` at the exported CSV`);
    if (stat.size > maxBytes) {
      throw new AgentError('invalid_response', `roster file ${path} is ${stat.size} bytes, more than maxFileBytes (${maxBytes}); nothing was read`);
    }
    bytes = await handle.readFile();
  } catch (e) {
    throw fileError(e, path);
  } finally {
    await handle?.close();
  }
  if (bytes.length > maxBytes) throw new AgentError('invalid_response', `roster file ${path} grew past maxFileBytes (${maxBytes}) while it was read; nothing was used`);
  let text: string;
  try {
    // ignoreBOM keeps the BOM in the text, so the stored page is the file byte for byte.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw new AgentError('invalid_response', `roster file ${path} is not valid UTF-8; export it as "CSV UTF-8"`, { cause: e });
  }
  return { path, url: pathToFileURL(path).href, text, bytes: bytes.length };
}

function fileError(e: unknown, path: string): unknown {
  if (e instanceof AgentError) return e;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new AgentError('invalid_response', `file not found: ${path}; check \`file\` in the config (a relative path resolves against ${process.cwd()})`, { cause: e });
    case 'EACCES':
    case 'EPERM':
      return new AgentError('denied', `cannot read roster file ${path} (${code}): the user running Evidentia has no read permission on it`, { cause: e });
    case 'EISDIR':
      return new AgentError('invalid_response', `roster file ${path} is a directory; point \`file\` at the exported CSV`, { cause: e });
    default:
      return e;
  }
}
