import { z } from 'zod';
import { canonicalJson } from '../../core/canonical-json.ts';
import { AgentError } from '../../core/errors.ts';
import { entity } from '../../core/model.ts';
import type { Entity } from '../../core/model.ts';
import { ruleResult } from '../../core/rule.ts';
import type { RuleResult } from '../../core/rule.ts';
import { streamOutcome } from '../../core/stream-outcome.ts';
import type { StreamOutcome } from '../../core/stream-outcome.ts';
import type { StreamRef } from '../evidence-store.ts';
import { describeIssues } from './inputs.ts';

/**
 * Everything is validated against the core zod schemas before it is written, and stored as the
 * canonical JSON of the parsed value. So what is stored is exactly what `loadSnapshot` returns, and
 * the digests in the manifest are over one unambiguous text.
 */

export interface EntityRow {
  kind: Entity['kind'];
  key: string;
  json: string;
}

/**
 * Also checks each entity belongs where it is filed: its source must be the stream's connector
 * instance and the run's organisation, so one client's records can never enter another's chain.
 */
export function validateEntities(entities: readonly Entity[], ref: StreamRef, org: string, runId: number): EntityRow[] {
  return entities.map((value, i) => {
    const parsed = entity.safeParse(value);
    if (!parsed.success) {
      throw new AgentError('internal', `Entity ${i} from ${ref.instance}/${ref.stream} (run ${runId}) does not match the entity schema: ${describeIssues(parsed.error)}`, { cause: parsed.error });
    }
    const e = parsed.data;
    const { source } = e;
    if (source.org !== org || source.connector !== ref.connector || source.instance !== ref.instance) {
      throw new AgentError(
        'internal',
        `Entity ${e.kind} "${e.key}" says it comes from ${source.org}/${source.connector}/${source.instance}, ` +
          `but was recorded for ${org}/${ref.connector}/${ref.instance} (stream ${ref.stream}, run ${runId}).`,
      );
    }
    return { kind: e.kind, key: e.key, json: canonicalJson(e) };
  });
}

export function validateOutcome(value: StreamOutcome, runId: number): { value: StreamOutcome; json: string } {
  const parsed = streamOutcome.safeParse(value);
  if (!parsed.success) {
    throw new AgentError('internal', `Stream outcome for run ${runId} does not match the outcome schema: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  return { value: parsed.data, json: canonicalJson(parsed.data) };
}

const ruleResults = z.array(ruleResult);

export function validateResults(value: readonly RuleResult[], runId: number): RuleResult[] {
  const parsed = ruleResults.safeParse(value);
  if (!parsed.success) {
    throw new AgentError('internal', `Results for run ${runId} do not match the result schema: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  }
  return parsed.data;
}

/** Reading back: a stored value that no longer parses was changed outside Evidentia. */
export function parseStored<T>(schema: z.ZodType<T>, json: string, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new AgentError('store_failed', `${what} is not readable JSON; the database was changed outside Evidentia. Run \`evidentia verify\`.`, { cause: e });
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new AgentError(
    'store_failed',
    `${what} no longer matches its schema (${describeIssues(parsed.error)}); the database was changed outside Evidentia. Run \`evidentia verify\`.`,
    { cause: parsed.error },
  );
}

export { ruleResults };
