import { createHash } from 'node:crypto';
import { AgentError } from './errors.ts';

/**
 * One JSON text per value, so a hash over it means the same thing on every machine and in every
 * version: object keys sorted by UTF-16 code units (as RFC 8785 / JCS does), no whitespace, arrays
 * kept in order, object members whose value is `undefined` dropped (as `JSON.stringify` does).
 *
 * Anything whose JSON form would be ambiguous or lossy is refused rather than guessed:
 * non-finite numbers (`JSON.stringify` would write `null`), `undefined` as a value or array element,
 * bigint, functions, symbols, cycles, and objects that are not plain (Date, Map, class instances —
 * convert a Date to an ISO string first, so the caller decides its form).
 *
 * Throws AgentError `internal` naming the JSON path of the offending value.
 */
export function canonicalJson(value: unknown): string {
  return write(value, null, null, new Set());
}

/** Lower-case hex SHA-256; strings are hashed as their UTF-8 bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Where a value sits: a container's place, with the member key or index added only when a message
 * needs it. Rendering `$.rows[12345].username` for every member up front cost more memory than the
 * JSON itself for an inventory of 100k rows.
 */
interface Place {
  parent: Place | null;
  key: string | number | null;
}

function render(parent: Place | null, key: string | number | null): string {
  const keys: (string | number)[] = [];
  if (key !== null) keys.push(key);
  for (let p = parent; p !== null; p = p.parent) if (p.key !== null) keys.push(p.key);
  return keys.reverse().reduce<string>((path, k) => (typeof k === 'number' ? `${path}[${k}]` : `${path}.${k}`), '$');
}

function write(value: unknown, parent: Place | null, key: string | number | null, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) refuse(render(parent, key), `the number ${String(value)} has no JSON form`);
      // JSON.stringify writes -0 as "0" and otherwise the shortest round-trip form (ES Number::toString).
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, parent, key, ancestors);
    default:
      return refuse(render(parent, key), `a ${typeof value} has no JSON form`);
  }
}

function writeObject(value: object, parent: Place | null, key: string | number | null, ancestors: Set<object>): string {
  if (ancestors.has(value)) refuse(render(parent, key), 'the value refers to itself (a cycle)');
  const here: Place = { parent, key };
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const parts = value.map((item: unknown, i) => {
        if (item === undefined) refuse(render(here, i), 'an array element is undefined');
        return write(item, here, i, ancestors);
      });
      return `[${parts.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      refuse(render(parent, key), `expected a plain object, got a ${name}`);
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const member = record[k];
      if (member === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${write(member, here, k, ancestors)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

function refuse(path: string, why: string): never {
  throw new AgentError('internal', `canonicalJson: cannot encode ${path}: ${why}`);
}
