import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { digestMessage } from './alert-message.ts';
import type { AlertMessage } from './alert-message.ts';
import type { AlertsConfig } from './alert-config.ts';
import type { AlertStore, OutboxRow } from './alert-store.ts';
import { nextAttemptAfter } from './backoff.ts';
import type { Channel } from './channels/channel.ts';
import { severityRank } from './finding.ts';
import type { Severity } from './finding.ts';
import { quietUntil } from './quiet-hours.ts';

export interface DeliveryOutcome {
  channel: string;
  kind: AlertMessage['kind'];
  /** Outbox ids sent in this request (several for a digest). */
  outboxIds: number[];
  ok: boolean;
  error: string | null;
  /** Set when the message was given up after its last allowed attempt. */
  gaveUp: boolean;
  /** Set when the send was cut by `interrupt` (shutdown): the message stays due. */
  interrupted: boolean;
}

export interface DeliveryReport {
  delivered: number;
  failed: number;
  gaveUp: number;
  /** Messages held back by quiet hours. */
  postponed: number;
  /** Messages whose send was cut by `interrupt` (counted in `failed` too). */
  interrupted: number;
  outcomes: DeliveryOutcome[];
}

export interface DeliverDeps {
  store: AlertStore;
  channels: ReadonlyMap<string, Channel>;
  config: AlertsConfig;
  log: Logger;
  now: () => Date;
  /** Scrubs secret values from error text before it is stored or logged. */
  scrub: (text: string) => string;
  /** Once aborted (the daemon is stopping), nothing more is sent: the send in flight finishes, the rest is released for the next pass. */
  signal?: AbortSignal;
  /**
   * Once aborted (the daemon stopped and its wait for the send in flight ran out), the send in
   * flight is cut: recorded as an interrupted attempt, the message left due at once. Interrupted
   * attempts count neither toward `retry.maxAttempts` nor toward the backoff; only an abort that
   * comes while the send is still pending makes it interrupted (a receiver's error before it is a
   * normal failure).
   */
  interrupt?: AbortSignal;
}

/**
 * A lease longer than any send (timeouts are at most 120 s). It is renewed right before each send, so
 * a slow batch cannot outlast it while later messages wait: two deliverers never send the same message.
 */
const LEASE_MS = 10 * 60_000;

/**
 * Sends every due outbox message once: singles one by one, digest messages as one message per
 * channel. Quiet hours hold messages below the bypass severity, and every resolved notice, until
 * they end (not an attempt; see `breaksQuietHours`).
 * Every attempt is recorded; a failure is retried with capped exponential backoff (attempts cut
 * by `interrupt` are recorded but count toward neither the backoff nor `retry.maxAttempts`).
 */
export async function deliverDue(deps: DeliverDeps): Promise<DeliveryReport> {
  const report: DeliveryReport = { delivered: 0, failed: 0, gaveUp: 0, postponed: 0, interrupted: 0, outcomes: [] };
  const now = deps.now();
  const rows = await deps.store.claimDue(now, LEASE_MS);
  const q = deps.config.quietHours;
  const until = q ? quietUntil(now, q) : null;
  let sendable: OutboxRow[] = [];
  let heldRows: OutboxRow[] = [];
  for (const r of rows) {
    if (until !== null && q !== undefined && !breaksQuietHours(r, q.bypass)) heldRows.push(r);
    else sendable.push(r);
  }
  if (until !== null) ({ sendable, held: heldRows } = await keepInOrder(deps.store, sendable, heldRows, now));
  const held = heldRows.map((r) => r.id);
  if (held.length > 0 && until !== null) {
    await deps.store.postpone(held, until.toISOString());
    report.postponed = held.length;
    deps.log.info({ messages: held.length, until: until.toISOString() }, 'alert messages held until quiet hours end');
  }

  const digests = new Map<string, OutboxRow[]>();
  const jobs: Array<{ rows: OutboxRow[]; compose: Compose }> = [];
  const single: Compose = (rs) => rs[0]!.message;
  const digest: Compose = (rs) => digestMessage(rs.map((r) => r.message), now.toISOString());
  for (const r of sendable) {
    if (r.mode === 'digest') digests.set(r.channel, [...(digests.get(r.channel) ?? []), r]);
    else jobs.push({ rows: [r], compose: single });
  }
  for (const group of digests.values()) jobs.push({ rows: group, compose: digest });
  for (const [i, job] of jobs.entries()) {
    if (deps.signal?.aborted) {
      // Still due, and claimable at once by the next deliverer instead of after the lease.
      const rest = jobs.slice(i).flatMap((j) => j.rows.map((r) => r.id));
      await deps.store.postpone(rest, deps.now().toISOString());
      deps.log.info({ messages: rest.length }, 'alert delivery stopped; the rest stays in the outbox for the next pass');
      break;
    }
    await send(deps, report, job.rows, job.compose);
  }
  return report;
}

/** The message a job's rows make: the row's own, or a digest of them. */
type Compose = (rows: readonly OutboxRow[]) => AlertMessage;

async function send(deps: DeliverDeps, report: DeliveryReport, claimed: readonly OutboxRow[], compose: Compose): Promise<void> {
  const first = claimed[0]!;
  // Earlier sends of this pass may have taken long: check the claim still holds and extend it for this send.
  const held = first.leaseUntil;
  const until = new Date(deps.now().getTime() + LEASE_MS).toISOString();
  let rows = claimed;
  let renewed = held !== null && (await deps.store.renewLease(rows.map((r) => r.id), held, until));
  if (!renewed && held !== null && rows.length > 1) {
    // A digest one of whose messages was settled since the claim (a resolved notice superseded
    // because its finding opened again) or taken over: send the others this deliverer still holds
    // now, rather than leaving them leased until the lease runs out.
    const kept: OutboxRow[] = [];
    for (const r of rows) if (await deps.store.renewLease([r.id], held, until)) kept.push(r);
    rows = kept;
    renewed = kept.length > 0;
  }
  const ids = rows.map((r) => r.id);
  if (!renewed) {
    deps.log.warn({ channel: first.channel, kind: compose(claimed).kind, outbox: claimed.map((r) => r.id) }, 'alert message not sent here: it was settled or another deliverer has it');
    return;
  }
  const message = compose(rows);
  const channel = deps.channels.get(first.channel);
  let work: Promise<void>;
  try {
    if (!channel) throw new Error(`channel "${first.channel}" is no longer in alerts.channels; add it back or the message is given up after its retries`);
    work = channel.send(message, deliveryIdOf(rows), deps.interrupt);
  } catch (e) {
    work = Promise.reject(e);
  }
  // Raced against `interrupt` as well, so a channel that ignores the signal still cannot hold shutdown.
  const outcome = await settle(work, deps.interrupt);
  const at = deps.now();
  if (outcome.ok) {
    await deps.store.recordAttempt(ids, { ok: true, at: at.toISOString() });
    report.delivered += rows.length;
    report.outcomes.push({ channel: first.channel, kind: message.kind, outboxIds: ids, ok: true, error: null, gaveUp: false, interrupted: false });
    deps.log.info({ channel: first.channel, kind: message.kind, outbox: ids }, 'alert delivered');
    return;
  }
  const error = deps.scrub(outcome.error instanceof Error ? outcome.error.message : String(outcome.error));
  if (outcome.interrupted) {
    // The receiver may have the message or not: it stays due at once, and the next start sends it
    // again under the same delivery id, which the receiver uses to drop a repeat.
    await deps.store.recordAttempt(ids, { ok: false, interrupted: true, at: at.toISOString(), error, nextAttemptAt: at.toISOString() });
    report.failed += rows.length;
    report.interrupted += rows.length;
    report.outcomes.push({ channel: first.channel, kind: message.kind, outboxIds: ids, ok: false, error, gaveUp: false, interrupted: true });
    deps.log.warn({ channel: first.channel, kind: message.kind, outbox: ids, error }, 'alert send interrupted by shutdown; it stays due and is sent again under the same delivery id');
    return;
  }
  // Rows of one digest may have different histories; the one that failed most decides the wait.
  // Interrupted attempts are not the receiver's failures: they neither use up retries nor lengthen the wait.
  const attempts = Math.max(...rows.map((r) => r.attempts - r.interruptions)) + 1;
  const next = nextAttemptAfter(attempts, deps.config.retry, at);
  await deps.store.recordAttempt(ids, { ok: false, at: at.toISOString(), error, nextAttemptAt: next?.toISOString() ?? null });
  report.failed += rows.length;
  if (next === null) report.gaveUp += rows.length;
  report.outcomes.push({ channel: first.channel, kind: message.kind, outboxIds: ids, ok: false, error, gaveUp: next === null, interrupted: false });
  if (next === null) deps.log.error({ channel: first.channel, kind: message.kind, outbox: ids, attempts, error }, 'alert delivery given up after its last attempt');
  else deps.log.warn({ channel: first.channel, kind: message.kind, outbox: ids, attempts, error, nextAttemptAt: next.toISOString() }, 'alert delivery failed; will retry');
}

/**
 * A message that breaks through quiet hours takes the same finding's earlier held single messages
 * on its channel with it (held in this pass, or postponed by an earlier one and claimed now), and
 * everything goes out in the order it was enqueued, so an earlier alert or reminder does not
 * arrive in the morning after the later one. A resolved notice is never among them once its
 * finding opened again: the store superseded it when the new alert was enqueued (see
 * `AlertStore.transition`), whatever its mode, so it is not sent at all.
 */
async function keepInOrder(store: AlertStore, sendable: OutboxRow[], held: OutboxRow[], now: Date): Promise<{ sendable: OutboxRow[]; held: OutboxRow[] }> {
  const breaking = sendable.filter((r) => r.findingId !== null && r.mode === 'single');
  if (breaking.length === 0) return { sendable, held };
  const precedes = (r: OutboxRow) => r.findingId !== null && r.mode === 'single' && breaking.some((b) => b.findingId === r.findingId && b.channel === r.channel && r.id < b.id);
  const taken = held.filter(precedes);
  const earlier = await store.claimEarlier(
    breaking.map((b) => ({ findingId: b.findingId!, channel: b.channel, beforeId: b.id })),
    now,
    LEASE_MS,
  );
  return { sendable: [...sendable, ...taken, ...earlier].sort((a, b) => a.id - b.id), held: held.filter((r) => !precedes(r)) };
}

type SendOutcome = { ok: true } | { ok: false; error: unknown; interrupted: boolean };

/**
 * How `work` ended, or `interrupted` as soon as `signal` aborts while it is still pending, whichever
 * comes first. Decided when it happens, not looked up afterwards: a receiver's error that arrived
 * before the interrupt is that error (a normal failure), even if the interrupt follows before the
 * attempt is recorded; a send cut by the interrupt (the channel then rejects with an abort error)
 * is interrupted.
 */
function settle(work: Promise<void>, signal: AbortSignal | undefined): Promise<SendOutcome> {
  return new Promise<SendOutcome>((resolve) => {
    let done = false;
    const finish = (o: SendOutcome) => {
      if (done) return;
      done = true;
      signal?.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const onAbort = () => finish({ ok: false, error: new Error('the send was interrupted because Evidentia is stopping'), interrupted: true });
    work.then(
      () => finish({ ok: true }),
      (error: unknown) => finish({ ok: false, error, interrupted: false }),
    );
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Quiet hours exist so nobody is woken for what can wait. Only a problem that is still there
 * breaks through: an alert (new) or a reminder (the problem is still open) of the bypass severity
 * or higher. A resolved notice never does, whatever its severity: the problem is gone, and the
 * notice is held until quiet hours end like any lower-severity message.
 */
export function breaksQuietHours(row: Pick<OutboxRow, 'kind' | 'severity'>, bypass: Severity | 'none'): boolean {
  if (bypass === 'none' || row.kind === 'resolved') return false;
  return severityRank(row.severity) >= severityRank(bypass);
}

/**
 * A single message keeps its own id on every attempt. A digest's id is derived from all of its
 * messages: a retry of the same set repeats it (the receiver may drop the repeat), a retry with
 * other messages in it is a different delivery and must not be dropped.
 */
export function deliveryIdOf(rows: readonly Pick<OutboxRow, 'deliveryId'>[]): string {
  if (rows.length === 1) return rows[0]!.deliveryId;
  const ids = rows.map((r) => r.deliveryId).sort();
  return `digest-${createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 32)}`;
}
