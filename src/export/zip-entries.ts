import { inflateRawSync } from 'node:zlib';

/**
 * Reads a zip's structure by hand instead of trusting an unzip library's view of it: a zip can
 * hold two entries of one name (a reader shows one, another reader the other), a local header
 * can name a different file than the central directory, and bytes can hide between entries. The
 * exporter writes none of that, so each is reported as tampering (`problems`); a package whose
 * zip has a problem never verifies.
 */

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** What the central directory declares; checked against the signed manifest before inflating. */
  uncompressedSize: number;
  dataOffset: number;
}

export interface ZipListing {
  entries: ZipEntry[];
  problems: { file: string | null; detail: string }[];
}

/** Why a zip entry cannot be read (damaged data, unsupported method, larger than allowed). */
export class UnreadableEntry extends Error {
  constructor(readonly path: string, readonly why: string) {
    super(`${path} cannot be read (${why})`);
    this.name = 'UnreadableEntry';
  }
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const DESCRIPTOR = 0x08074b50;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;

/** Throws a plain Error when `data` has no readable central directory (not a zip at all). */
export function listZip(data: Buffer): ZipListing {
  const problems: ZipListing['problems'] = [];
  const say = (file: string | null, detail: string) => problems.push({ file, detail });
  const eocd = findEndOfCentralDirectory(data);
  const count = data.readUInt16LE(eocd + 10);
  const cdSize = data.readUInt32LE(eocd + 12);
  const cdOffset = data.readUInt32LE(eocd + 16);
  const commentLength = data.readUInt16LE(eocd + 20);
  if (data.readUInt16LE(eocd + 4) !== 0 || data.readUInt16LE(eocd + 6) !== 0 || data.readUInt16LE(eocd + 8) !== count) throw new Error('a multi-disk zip');
  if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) throw new Error('a zip64 archive, which `evidentia export` never writes');
  if (cdOffset + cdSize !== eocd) say(null, `the zip has ${eocd - cdOffset - cdSize} bytes between its central directory and its end record that no entry covers`);
  if (eocd + 22 + commentLength !== data.length) say(null, `the zip has ${data.length - eocd - 22 - commentLength} bytes after its end record that no entry covers`);

  const entries: (ZipEntry & { localOffset: number; crc: number })[] = [];
  for (let i = 0, p = cdOffset; i < count; i++) {
    if (p + 46 > data.length || data.readUInt32LE(p) !== CENTRAL) throw new Error(`central directory entry ${i + 1} of ${count} is damaged`);
    const flags = data.readUInt16LE(p + 8);
    const nameLength = data.readUInt16LE(p + 28);
    const name = decodeName(data.subarray(p + 46, p + 46 + nameLength), flags);
    const localOffset = data.readUInt32LE(p + 42);
    const entry = { name, flags, method: data.readUInt16LE(p + 10), crc: data.readUInt32LE(p + 16), compressedSize: data.readUInt32LE(p + 20), uncompressedSize: data.readUInt32LE(p + 24), localOffset, dataOffset: -1 };
    p += 46 + nameLength + data.readUInt16LE(p + 30) + data.readUInt16LE(p + 32);
    if (p > cdOffset + cdSize) throw new Error('the central directory is longer than its end record says');
    entries.push(entry);
  }

  checkNames(entries.map((e) => e.name), say);

  // Local headers must follow each other from offset 0 with nothing between them but each
  // entry's data and (when flagged) its data descriptor, and end where the central directory starts.
  let expected = 0;
  for (const e of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    if (e.localOffset !== expected) say(e.name, `the zip has ${e.localOffset - expected} bytes before the local header of ${e.name} that no entry covers`);
    const p = e.localOffset;
    if (p + 30 > data.length || data.readUInt32LE(p) !== LOCAL) {
      say(e.name, `the central directory points ${e.name} at offset ${p}, where there is no local header`);
      expected = p;
      continue;
    }
    const nameLength = data.readUInt16LE(p + 26);
    const localFlags = data.readUInt16LE(p + 6);
    const localName = decodeName(data.subarray(p + 30, p + 30 + nameLength), localFlags);
    if (localName !== e.name) say(e.name, `the local header of ${e.name} names ${JSON.stringify(localName)}: two names for one entry`);
    e.dataOffset = p + 30 + nameLength + data.readUInt16LE(p + 28);
    let end = e.dataOffset + e.compressedSize;
    if (end > data.length) {
      say(e.name, `${e.name} runs past the end of the zip`);
      expected = end;
      continue;
    }
    if (e.flags & FLAG_DESCRIPTOR) {
      const withSignature = end + 4 <= data.length && data.readUInt32LE(end) === DESCRIPTOR ? 4 : 0;
      const d = end + withSignature;
      if (d + 12 > data.length || data.readUInt32LE(d) !== e.crc || data.readUInt32LE(d + 4) !== e.compressedSize || data.readUInt32LE(d + 8) !== e.uncompressedSize) {
        say(e.name, `the data descriptor of ${e.name} does not match the central directory`);
      }
      end = d + 12;
    } else if (data.readUInt32LE(p + 18) !== e.compressedSize || data.readUInt32LE(p + 22) !== e.uncompressedSize) {
      say(e.name, `the local header of ${e.name} declares other sizes than the central directory`);
    }
    expected = end;
  }
  if (entries.length > 0 && expected !== cdOffset) say(null, `the zip has ${cdOffset - expected} bytes between its last entry and its central directory that no entry covers`);
  if (entries.length === 0 && cdOffset !== 0) say(null, `the zip has ${cdOffset} bytes before its central directory that no entry covers`);
  return { entries, problems };
}

/**
 * Inflates one entry, refusing one that declares more than `maxBytes` (the size the signed manifest
 * gives) before any inflating, and one whose data inflates past what it declares (a zip bomb).
 */
export function readZipEntry(data: Buffer, e: ZipEntry, maxBytes: number): Uint8Array {
  if (e.uncompressedSize > maxBytes) throw new UnreadableEntry(e.name, `it declares ${e.uncompressedSize} bytes, more than the ${maxBytes} the manifest allows`);
  if (e.flags & FLAG_ENCRYPTED) throw new UnreadableEntry(e.name, 'it is encrypted');
  if (e.dataOffset < 0 || e.dataOffset + e.compressedSize > data.length) throw new UnreadableEntry(e.name, 'its data is not where the zip says');
  const raw = data.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  let out: Uint8Array;
  if (e.method === 0) out = raw;
  else if (e.method === 8) {
    try {
      // maxOutputLength stops inflating as soon as the output would pass the declared size.
      out = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.uncompressedSize) });
    } catch (err) {
      const why = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'its data inflates to more than its declared size' : `its compressed data is damaged: ${err instanceof Error ? err.message : String(err)}`;
      throw new UnreadableEntry(e.name, why);
    }
  } else throw new UnreadableEntry(e.name, `compression method ${e.method} is not one \`evidentia export\` writes`);
  if (out.byteLength !== e.uncompressedSize) throw new UnreadableEntry(e.name, `it holds ${out.byteLength} bytes, not the ${e.uncompressedSize} it declares`);
  return out;
}

function findEndOfCentralDirectory(data: Buffer): number {
  for (let p = data.length - 22; p >= Math.max(0, data.length - 22 - 0xffff); p--) if (data.readUInt32LE(p) === EOCD) return p;
  throw new Error('no end of central directory record');
}

function decodeName(bytes: Buffer, flags: number): string {
  return bytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
}

/**
 * Names that two unzip tools could resolve to one file, or to a place outside the folder they
 * unzip into: repeated, equal after folding case, `\` and `./` and a leading `/`, or holding `..`.
 */
function checkNames(names: readonly string[], say: (file: string | null, detail: string) => void): void {
  const seen = new Map<string, string>();
  for (const name of names) {
    const segments = name.split(/[\\/]/);
    if (segments.includes('..')) say(name, `the zip entry ${JSON.stringify(name)} has a ".." segment: it points outside the package`);
    else if (/^[\\/]/.test(name) || name.includes('\\') || segments.includes('.')) say(name, `the zip entry ${JSON.stringify(name)} is not a plain relative path`);
    const folded = segments.filter((s) => s !== '' && s !== '.').join('/').toLowerCase();
    const before = seen.get(folded);
    if (before === name) say(name, `the zip holds two entries named ${name}: unzip tools differ in which one they show`);
    else if (before !== undefined) say(name, `the zip entries ${JSON.stringify(before)} and ${JSON.stringify(name)} name the same file once case, "\\", "./" and a leading "/" are set aside`);
    else seen.set(folded, name);
  }
}
