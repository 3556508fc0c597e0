import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../core/canonical-json.ts';
import { inventoryRowHash } from './inventories.ts';

/** The definition the chain was written with (004-inventories.sql); the streamed hash must give the same bytes. */
const defined = (json: string, previous: string | null = 'p'.repeat(64)): string =>
  sha256Hex(canonicalJson({ evaluationId: 7, kind: 'accounts', resultsHash: 'r'.repeat(64), json, previous }));
const streamed = (json: string, previous: string | null = 'p'.repeat(64)): string =>
  inventoryRowHash({ evaluationId: 7, kind: 'accounts', resultsHash: 'r'.repeat(64), json, previous });

describe('inventoryRowHash', () => {
  it('equals the hash of the canonical JSON of the row for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.option(fc.string()), (json, previous) => streamed(json, previous) === defined(json, previous)));
  });

  it('equals it for texts longer than one chunk, with quotes, escapes and a surrogate pair across the chunk boundary', () => {
    const boundary = 1 << 20;
    const pairAcross = `${'a'.repeat(boundary - 1)}😀${'"\\\n\u0001é'.repeat(1000)}`;
    expect(pairAcross.charCodeAt(boundary - 1)).toBe(0xd83d); // the high half is the chunk's last unit
    expect(streamed(pairAcross)).toBe(defined(pairAcross));
    const loneHalf = `${'b'.repeat(boundary - 1)}\ud83d${'c'.repeat(10)}`;
    expect(streamed(loneHalf)).toBe(defined(loneHalf));
    const long = JSON.stringify({ rows: Array.from({ length: 40_000 }, (_, i) => ({ user: `ann.ø${i}@contoso.com`, why: 'left "yesterday"' })) });
    expect(streamed(long, null)).toBe(defined(long, null));
  });
});
