import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import { AgentError } from './errors.ts';

describe('canonicalJson', () => {
  const cases: Array<[string, unknown, string]> = [
    ['null', null, 'null'],
    ['booleans', [true, false], '[true,false]'],
    ['integer', 42, '42'],
    ['negative zero is zero', -0, '0'],
    ['fraction', 0.1, '0.1'],
    ['large exponent', 1e21, '1e+21'],
    ['string escapes', 'a"b\\c\n\u0001', '"a\\"b\\\\c\\n\\u0001"'],
    ['non-ASCII stays literal', 'Zoë ✓', '"Zoë ✓"'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    ['keys sorted', { b: 1, a: 2, c: 3 }, '{"a":2,"b":1,"c":3}'],
    ['nested keys sorted', { z: { y: 1, x: [{ b: 1, a: 2 }] } }, '{"z":{"x":[{"a":2,"b":1}],"y":1}}'],
    ['arrays keep order', [3, 1, 2], '[3,1,2]'],
    ['undefined members dropped', { a: undefined, b: null }, '{"b":null}'],
    // UTF-16 code-unit order (RFC 8785): upper case before lower case, "aa" after "a".
    ['code-unit key order', { a: 1, B: 2, aa: 3, _: 4 }, '{"B":2,"_":4,"a":1,"aa":3}'],
    ['null-prototype object', Object.assign(Object.create(null) as object, { b: 1, a: 0 }), '{"a":0,"b":1}'],
  ];

  it.each(cases)('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('gives the same text whatever order keys were inserted in', () => {
    expect(canonicalJson({ x: 1, y: { p: 1, q: 2 } })).toBe(canonicalJson({ y: { q: 2, p: 1 }, x: 1 }));
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['NaN', { a: Number.NaN }, /\$\.a: the number NaN/],
    ['Infinity', [1, Number.POSITIVE_INFINITY], /\$\[1\]: the number Infinity/],
    ['-Infinity', Number.NEGATIVE_INFINITY, /the number -Infinity/],
    ['undefined at top', undefined, /undefined has no JSON form/],
    ['undefined array element', [1, undefined], /\$\[1\]: an array element is undefined/],
    ['bigint', { n: 1n }, /\$\.n: a bigint/],
    ['function', { f: () => 1 }, /\$\.f: a function/],
    ['Date', { at: new Date(0) }, /\$\.at: expected a plain object, got a Date/],
    ['Map', new Map(), /got a Map/],
  ];

  it.each(refused)('refuses %s', (_name, value, message) => {
    let caught: unknown;
    try {
      canonicalJson(value);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AgentError);
    expect((caught as AgentError).code).toBe('internal');
    expect((caught as AgentError).message).toMatch(message);
  });

  it('refuses cycles but accepts the same object twice side by side', () => {
    const shared = { a: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"a":1},{"a":1}]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/\$\.self: the value refers to itself/);
  });
});

describe('sha256Hex', () => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['empty string', '', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['bytes equal string', new TextEncoder().encode('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    // UTF-8, not UTF-16 or Latin-1: "é" is the two bytes c3 a9.
    ['UTF-8 of é', 'é', sha256Hex(Uint8Array.from([0xc3, 0xa9]))],
  ];

  it.each(cases)('%s', (_name, data, expected) => {
    expect(sha256Hex(data)).toBe(expected);
  });
});

describe('canonicalJson error paths', () => {
  // The path is built only when a value is refused (see `Place`); it must still name the exact member.
  it.each([
    ['a nested non-finite number', { a: [1, { b: Number.NaN }] }, '$.a[1].b: the number NaN has no JSON form'],
    ['an undefined array element at the top', [undefined], '$[0]: an array element is undefined'],
    ['a Date deep in an object', { x: { y: new Date(0) } }, '$.x.y: expected a plain object, got a Date'],
    ['a function member', { rows: [{ f: () => 1 }] }, '$.rows[0].f: a function has no JSON form'],
    ['a cycle', (() => { const o: Record<string, unknown> = {}; o.self = [o]; return o; })(), '$.self[0]: the value refers to itself (a cycle)'],
  ])('names %s', (_name, value, message) => {
    expect(() => canonicalJson(value)).toThrow(`canonicalJson: cannot encode ${message}`);
  });
});

describe('canonicalJson against JSON itself', () => {
  // Key order is pinned by the cases above (code units, integer-like keys included); this checks nothing is lost or altered.
  it('reads back as the same value, for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      expect(JSON.parse(canonicalJson(v))).toStrictEqual(JSON.parse(JSON.stringify(v)));
    }));
  });
});
