import { deflateRawSync } from 'node:zlib';

/**
 * Test-only: writes zips the way an attacker would, entry by entry, with knobs `evidentia export`
 * never turns (a local name unlike the central one, a wrong declared size, bytes between entries).
 * Nothing outside `*.test.ts` imports this file.
 */
export interface CraftedEntry {
  name: string;
  data: Uint8Array;
  /** 8 (deflate, the default) or 0 (stored); any other number is written as is with the data stored. */
  method?: number;
  /** The name in the local header, when it should differ from the central directory's. */
  localName?: string;
  /** Replaces the compressed bytes (e.g. garbage) while the sizes stay those of `data`. */
  rawData?: Uint8Array;
  /** The uncompressed size to declare, instead of the real one. */
  declaredSize?: number;
  /** Bytes written before this entry's local header, covered by no entry. */
  gapBefore?: Uint8Array;
}

export function craftZip(entries: readonly CraftedEntry[], opts: { beforeCentralDirectory?: Uint8Array } = {}): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const push = (b: Uint8Array) => {
    parts.push(Buffer.from(b));
    offset += b.byteLength;
  };
  for (const e of entries) {
    if (e.gapBefore) push(e.gapBefore);
    const method = e.method ?? 8;
    const body = e.rawData ?? (method === 8 ? deflateRawSync(e.data) : e.data);
    const size = e.declaredSize ?? e.data.byteLength;
    const name = Buffer.from(e.name);
    const localName = Buffer.from(e.localName ?? e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(body.byteLength, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(localName.length, 26);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(method, 10);
    head.writeUInt32LE(body.byteLength, 20);
    head.writeUInt32LE(size, 24);
    head.writeUInt16LE(name.length, 28);
    head.writeUInt32LE(offset, 42);
    central.push(head, name);
    push(local);
    push(localName);
    push(body);
  }
  if (opts.beforeCentralDirectory) push(opts.beforeCentralDirectory);
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}
