import type { ConnectorContext, Page, PreviousCollection } from '../../../src/core/connector.ts';
import type { M365Config } from '../config-schema.ts';
import type { GraphSession } from '../graph-client.ts';
import type { PagingNeeds } from '../graph-pages.ts';
import type { Entity } from '../../../src/core/model.ts';
import { applyDelta, deltaCheckpoint, latestDeltaLink, usableDeltaCheckpoint, type ApplyDeltaSpec, type DeltaChanges, type IncrementalAttempt } from './delta-reader.ts';

/**
 * How a stream with Graph delta reads when the run tracks changes: resume from the stored link
 * when it is usable, else read in full and start a fresh link first (so no change falls between
 * the link and the read), saying why on the stream's outcome. Without tracking: a plain full read.
 */
export interface TrackedReadSpec {
  /** Why the stored link cannot be used, or the attempt to apply it. */
  usable(prev: PreviousCollection): Promise<{ ok: true; attempt: () => AsyncGenerator<Page, IncrementalAttempt, undefined> } | { ok: false; reason: string }>;
  /** `<collection>/delta?…&$deltatoken=latest` */
  latestUrl: string;
  needs: PagingNeeds;
  full(): AsyncGenerator<Page, void, undefined>;
  /** The checkpoint a full read stores, from the fresh link and when the read began. */
  checkpointOf(deltaLink: string, readAt: string): unknown;
}

/** Returns what the incremental read applied, or null after a full read. */
export async function* trackedRead(s: GraphSession, ctx: ConnectorContext<M365Config>, spec: TrackedReadSpec): AsyncGenerator<Page, DeltaChanges | null, undefined> {
  const prev = ctx.previous;
  if (!prev) {
    yield* spec.full();
    return null;
  }
  const usable = await spec.usable(prev);
  let reason = usable.ok ? null : usable.reason;
  if (usable.ok) {
    const attempt = yield* usable.attempt();
    if (attempt.done) return attempt.changes;
    reason = attempt.reason;
  }
  const readAt = ctx.now().toISOString();
  const deltaLink = yield* latestDeltaLink(s, spec.latestUrl, spec.needs, ctx.now);
  let first = true;
  for await (const page of spec.full()) {
    if (first && deltaLink !== null) {
      const note = prev.mode === 'incremental' ? `Full read instead of incremental: ${reason}; a new delta link was started.` : 'Full read; a new delta link was started.';
      yield { ...page, note, checkpoint: { value: spec.checkpointOf(deltaLink, readAt), baseRunId: null } };
    } else if (first) {
      // The data is still read in full; only the next run cannot be incremental.
      yield { ...page, note: `Full read${reason ? ` instead of incremental: ${reason}` : ''}; Graph gave no delta link, so the next run reads in full too.` };
    } else yield page;
    first = false;
  }
  return null;
}

/** Runs a page generator to its end, keeping its pages and what it returned (for reads two streams share). */
export async function drainPages<R>(gen: AsyncGenerator<Page, R, undefined>): Promise<{ pages: Page[]; result: R }> {
  const pages: Page[] = [];
  for (;;) {
    const n = await gen.next();
    if (n.done) return { pages, result: n.value };
    pages.push(n.value);
  }
}

/**
 * `usable` and `checkpointOf` for a stream whose checkpoint is just the delta link and when it was
 * obtained (apps, consents; users also carry when sign-in facts were read).
 */
export function linkOnlyTracking<E extends Entity>(
  s: GraphSession,
  ctx: ConnectorContext<M365Config>,
  spec: Omit<ApplyDeltaSpec<E>, 'checkpointOf'>,
): Pick<TrackedReadSpec, 'usable' | 'checkpointOf'> {
  return {
    usable: async (prev) => {
      const u = await usableDeltaCheckpoint(prev, spec.stream, deltaCheckpoint, ctx.now());
      if (!u.ok) return u;
      return { ok: true, attempt: () => applyDelta<E>(s, ctx, prev, u, { ...spec, checkpointOf: (deltaLink) => ({ deltaLink, obtainedAt: ctx.now().toISOString() }) }) };
    },
    checkpointOf: (deltaLink, readAt) => ({ deltaLink, obtainedAt: readAt }),
  };
}
