import type { Stream } from '../core/connector.ts';
import { StreamNotApplicable } from '../core/connector.ts';
import { AgentError, describeError } from '../core/errors.ts';
import type { FailureKind, StreamFailure, StreamOutcome, StreamStatus } from '../core/stream-outcome.ts';

/**
 * Collects what happened while one stream was read and turns it into its recorded outcome.
 * The collector, not the connector, decides the status, so every connector is judged alike.
 */
export class OutcomeBuilder {
  pages = 0;
  records = 0;
  readonly failures: StreamFailure[] = [];
  #fatal = false;
  #notApplicable: string | null = null;
  readonly #notes: string[] = [];
  readonly #startedAt: string;

  constructor(
    private readonly connectorId: string,
    private readonly instance: string,
    private readonly stream: Pick<Stream, 'id' | 'entity'>,
    private readonly now: () => Date,
  ) {
    this.#startedAt = now().toISOString();
  }

  addPage(records: number, failures: readonly StreamFailure[]): void {
    this.pages += 1;
    this.records += records;
    this.failures.push(...failures);
  }

  /** A sentence the stream wants in its outcome (e.g. how an incremental read was done). */
  addNote(note: string): void {
    this.#notes.push(note);
  }

  /** The stream threw: classify why, keep what was already read. */
  addError(e: unknown): void {
    if (e instanceof StreamNotApplicable) {
      this.#notApplicable = e.reason;
      return;
    }
    this.#fatal = true;
    this.failures.push({ kind: failureKindOf(e), detail: `reading stopped: ${describeError(e).split('\n')[0]}` });
  }

  /**
   * The run was stopped while this stream was read. Whatever the connector threw then (an abort,
   * a socket closed under it) is a consequence of the stop, not a vendor failure.
   */
  addInterrupted(): void {
    this.#fatal = true;
    this.failures.push({ kind: 'interrupted', detail: 'reading stopped because the run was interrupted (SIGINT/SIGTERM); the next run reads it again' });
  }

  build(): StreamOutcome {
    return {
      connector: this.connectorId,
      instance: this.instance,
      stream: this.stream.id,
      entity: this.stream.entity,
      status: this.#status(),
      pages: this.pages,
      records: this.records,
      failures: this.failures,
      note: [this.#notApplicable, ...this.#notes].filter((n): n is string => n !== null).join(' ') || null,
      startedAt: this.#startedAt,
      finishedAt: this.now().toISOString(),
    };
  }

  #status(): StreamStatus {
    if (this.#notApplicable !== null && this.failures.length === 0) return 'not_applicable';
    if (this.failures.length === 0 && !this.#fatal) return 'complete';
    const recordsLost = this.#fatal || this.failures.some((f) => f.field === undefined);
    if (recordsLost && this.records === 0) return 'failed';
    return 'partial';
  }

  static disabled(connectorId: string, instance: string, stream: Pick<Stream, 'id' | 'entity'>, now: () => Date): StreamOutcome {
    const at = now().toISOString();
    return {
      connector: connectorId,
      instance,
      stream: stream.id,
      entity: stream.entity,
      status: 'disabled',
      pages: 0,
      records: 0,
      failures: [],
      note: 'listed in disabledStreams',
      startedAt: at,
      finishedAt: at,
    };
  }
}

const CODE_TO_KIND: Partial<Record<AgentError['code'], FailureKind>> = {
  denied: 'denied',
  unlicensed: 'unlicensed',
  auth_failed: 'auth',
  secret_missing: 'auth',
  throttled: 'throttled',
  foreign_origin: 'truncated',
  next_link_loop: 'truncated',
  invalid_response: 'invalid',
  http_failed: 'transient',
  aborted: 'interrupted',
};

export function failureKindOf(e: unknown): FailureKind {
  if (e instanceof AgentError) return CODE_TO_KIND[e.code] ?? 'transient';
  const status = (e as { statusCode?: unknown })?.statusCode;
  if (status === 401) return 'auth';
  if (status === 403) return 'denied';
  if (status === 429) return 'throttled';
  const name = (e as { name?: unknown })?.name;
  // @azure/identity failures: the credential was refused or could not be used.
  if (name === 'AuthenticationError' || name === 'AuthenticationRequiredError' || name === 'CredentialUnavailableError') return 'auth';
  return 'transient';
}
