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
  return write(value, '$', new Set());
}

/** Lower-case hex SHA-256; strings are hashed as their UTF-8 bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function write(value: unknown, path: string, ancestors: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `the number ${String(value)} has no JSON form`);
      // JSON.stringify writes -0 as "0" and otherwise the shortest round-trip form (ES Number::toString).
      return JSON.stringify(value);
    case 'object':
      return writeObject(value, path, ancestors);
    default:
      return refuse(path, `a ${typeof value} has no JSON form`);
  }
}

function writeObject(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) refuse(path, 'the value refers to itself (a cycle)');
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const parts = value.map((item: unknown, i) => {
        if (item === undefined) refuse(`${path}[${i}]`, 'an array element is undefined');
        return write(item, `${path}[${i}]`, ancestors);
      });
      return `[${parts.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
      refuse(path, `expected a plain object, got a ${name}`);
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(member, `${path}.${key}`, ancestors)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.delete(value);
  }
}

function refuse(path: string, why: string): never {
  throw new AgentError('internal', `canonicalJson: cannot encode ${path}: ${why}`);
}
