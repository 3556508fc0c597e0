import type { Logger } from 'pino';
import type { ConnectorContext, PreviousCollection } from '../core/connector.ts';
import type { SecretResolver } from '../core/secrets.ts';
import type { HttpContext } from '../http/http-context.ts';
import type { ResolvedConnector } from './connector-registry.ts';

export interface ContextDeps {
  org: string;
  http: HttpContext;
  secrets: SecretResolver;
  log: Logger;
  signal: AbortSignal;
  now: () => Date;
  /** Filled from the store when the run tracks changes. */
  previous?: (instance: string) => PreviousCollection;
}

/** A connector's context plus the clean-ups it registered, run by `dispose` whatever happened. */
export function createConnectorContext(rc: ResolvedConnector, deps: ContextDeps): { ctx: ConnectorContext<unknown>; dispose: () => Promise<void> } {
  const cleanups: (() => Promise<void> | void)[] = [];
  const log = deps.log.child({ connector: rc.connector.id, instance: rc.instance });
  const ctx: ConnectorContext<unknown> = {
    org: deps.org,
    instance: rc.instance,
    config: rc.config,
    http: deps.http,
    secrets: deps.secrets,
    log,
    signal: deps.signal,
    now: deps.now,
    defer: (fn) => cleanups.push(fn),
  };
  if (deps.previous) ctx.previous = deps.previous(rc.instance);
  const dispose = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (e) {
        log.warn({ err: e }, 'connector clean-up failed');
      }
    }
  };
  return { ctx, dispose };
}
