import type { z } from 'zod';
import type { StreamFailure } from './stream-outcome.ts';

export interface MappedRecords<E> {
  entities: E[];
  failures: StreamFailure[];
}

/**
 * Validates each vendor record with its zod schema and maps it. A record that does not fit is not
 * dropped silently: it becomes an `invalid` failure naming its position and the first problem, so
 * the stream is `partial` and rules that need every record say they cannot be evaluated.
 */
export function mapRecords<R, E>(
  records: readonly unknown[],
  schema: z.ZodType<R>,
  map: (record: R) => E | E[] | null,
  what: string,
): MappedRecords<E> {
  const entities: E[] = [];
  const failures: StreamFailure[] = [];
  records.forEach((raw, i) => {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
      failures.push({ kind: 'invalid', detail: `${what} #${i + 1} on this page was not understood (${issue?.message ?? 'invalid'}${where}) and was not counted` });
      return;
    }
    const out = map(parsed.data);
    if (out === null) return;
    if (Array.isArray(out)) entities.push(...out);
    else entities.push(out);
  });
  return { entities, failures };
}
