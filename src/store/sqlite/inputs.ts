import { z } from 'zod';
import { AgentError } from '../../core/errors.ts';
import { isoTime } from '../../core/model.ts';

/**
 * Runtime checks of what callers hand the store. TypeScript already types these, but evidence is
 * written once and kept for years, so a malformed timestamp or a negative page number is refused
 * at the door rather than discovered by an auditor. A refusal is a caller bug: code `internal`.
 */

export const beginRunInput = z.object({
  org: z.string().min(1),
  startedAt: isoTime,
  toolVersion: z.string().min(1),
  configDigest: z.string().min(1),
  trigger: z.enum(['manual', 'schedule', 'demo', 'test']),
  mode: z.enum(['full', 'incremental']).default('full'),
});

export const pageInput = z.object({
  connector: z.string().min(1),
  instance: z.string().min(1),
  stream: z.string().min(1),
  seq: z.number().int().nonnegative(),
  method: z.string().min(1),
  url: z.string().min(1),
  status: z.number().int(),
  contentType: z.string().nullable(),
  body: z.string(),
  receivedAt: isoTime,
});

export const streamRef = z.object({
  connector: z.string().min(1),
  instance: z.string().min(1),
  stream: z.string().min(1),
});

export const finishRunInput = z.object({
  finishedAt: isoTime,
  status: z.enum(['complete', 'partial', 'failed', 'interrupted']),
});

export const evaluationMeta = z.object({
  evaluatedAt: isoTime,
  paramsDigest: z.string().min(1),
});

export const listFilter = z.object({
  org: z.string().min(1).optional(),
  limit: z.number().int().positive().optional(),
});

/** Parses or throws AgentError `internal` saying what was expected and what was got. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new AgentError('internal', `Invalid ${what}: ${describeIssues(parsed.error)}`, { cause: parsed.error });
}

export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(value)'}: ${i.message}`);
  const more = error.issues.length - shown.length;
  return shown.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
