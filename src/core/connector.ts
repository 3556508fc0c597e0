import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Entity, EntityKind } from './model.ts';
import type { StreamFailure } from './stream-outcome.ts';
import type { HttpContext } from '../http/http-context.ts';
import type { SecretResolver } from './secrets.ts';

/**
 * The contract every connector folder implements (copy `connectors/_template`). Connectors collect;
 * they never decide pass or fail. They import only `src/core` and `src/http`.
 */
export interface Connector<C = unknown> {
  /** Matches `type:` in the config, e.g. `m365`. */
  readonly id: string;
  readonly title: string;
  /** Validates this connector's block of the config (everything besides `type` and `id`). */
  readonly configSchema: z.ZodType<C>;
  /** What an admin must grant, for the README and for `evidentia check`. */
  readonly permissions: readonly PermissionSpec[];
  /** Verifies credentials, permissions and licences without collecting data. */
  check(ctx: ConnectorContext<C>): Promise<CheckItem[]>;
  streams(ctx: ConnectorContext<C>): Stream<C>[];
}

export interface PermissionSpec {
  /** The exact name to grant, e.g. `AuditLog.Read.All`. */
  name: string;
  kind: 'application_permission' | 'scope' | 'iam_action' | 'licence' | 'api_key';
  required: boolean;
  /** Why it is needed, in one sentence for the admin granting it. */
  why: string;
  /** The stream ids that stop working without it. */
  streams: string[];
}

export interface CheckItem {
  /** A permission or licence name, or `credentials`. */
  name: string;
  status: 'ok' | 'failed' | 'not_checked';
  detail: string;
}

export interface Stream<C = unknown> {
  /** Stable id within the connector, e.g. `users`. Stored with every page and outcome. */
  readonly id: string;
  readonly entity: EntityKind;
  readonly title: string;
  /** Yields one page per vendor response, in order, as it arrives. */
  read(ctx: ConnectorContext<C>): AsyncGenerator<Page, void, undefined>;
}

/** One vendor response, kept byte for byte as evidence, with what it was mapped into. */
export interface Page {
  request: { method: string; url: string };
  status: number;
  contentType: string | null;
  /** The response body exactly as received. Never contains request credentials. */
  body: string;
  receivedAt: string;
  entities: Entity[];
  /** Records or fields on this page that could not be mapped (the rest of the page is still used). */
  failures: StreamFailure[];
  /**
   * Incremental collection: where the next incremental run resumes (e.g. the Graph delta link) and
   * the sealed run this stream's entities were derived from (null for a full read). The collector
   * stores the last one given only if the stream ends complete; it takes effect once the run is sealed.
   */
  checkpoint?: { value: unknown; baseRunId: number | null };
  /** A sentence for the stream outcome (e.g. why an incremental read fell back to a full one). */
  note?: string;
}

/** What a connector may read of earlier runs, filled by the collector from the store (connectors never import it). */
export interface PreviousCollection {
  /** This run's mode: `incremental` streams may resume from their checkpoint. */
  mode: 'full' | 'incremental';
  /** The newest checkpoint a sealed run stored for this instance's stream. */
  checkpoint(stream: string): Promise<{ runId: number; recordedAt: string; value: unknown } | null>;
  /** The entities a sealed run stored for this instance's stream. */
  entities(runId: number, stream: string): Promise<Entity[]>;
}

export interface ConnectorContext<C = unknown> {
  org: string;
  /** The connector instance id from the config (`id:`), e.g. `m365-main`. */
  instance: string;
  config: C;
  http: HttpContext;
  secrets: SecretResolver;
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
  /** Registers a clean-up (close sockets, clients) that the collector runs when this connector is done. */
  defer: (cleanup: () => Promise<void> | void) => void;
  /** Present when the run tracks changes (`collect --incremental`, the daemon); absent: read everything, keep no checkpoint. */
  previous?: PreviousCollection;
}

/** Thrown by a stream when the vendor says the data cannot exist for this tenant. */
export class StreamNotApplicable extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StreamNotApplicable';
  }
}
