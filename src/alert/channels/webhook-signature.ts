import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-evidentia-signature';
export const TIMESTAMP_HEADER = 'x-evidentia-timestamp';
export const DELIVERY_HEADER = 'x-evidentia-delivery';

/**
 * `sha256=<hex>` of HMAC-SHA256(key, `<timestamp>.<body>`): the timestamp (unix seconds, also sent
 * in `X-Evidentia-Timestamp`) is signed with the exact body bytes, so a captured request cannot be
 * replayed later with a fresh timestamp.
 */
export function signWebhook(key: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * What a receiver does (documented in the README): recompute the signature over the raw body,
 * compare in constant time, and refuse timestamps more than `toleranceSeconds` from its clock.
 * Receivers should also drop a repeated `X-Evidentia-Delivery` id (a retry after a lost answer).
 */
export function verifyWebhook(key: string, headers: { signature?: string; timestamp?: string }, body: string, nowMs: number, toleranceSeconds = 300): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(key, ts, body));
  const got = Buffer.from(headers.signature);
  return expected.length === got.length && timingSafeEqual(expected, got);
}
