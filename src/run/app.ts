import type { Logger } from 'pino';
import { readFile } from 'node:fs/promises';
import type { AgentConfig } from '../config/agent-config.ts';
import { loadConfig } from '../config/agent-config.ts';
import { createLogger } from '../core/logger.ts';
import { SecretRegistry } from '../core/secrets.ts';
import { AgentError } from '../core/errors.ts';
import { loadConnectorRegistry, type ConnectorRegistry } from '../collect/connector-registry.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteStore } from '../store/sqlite/index.ts';
import { createHttpContext, httpContextOptionsFromConfig } from '../http/request-with-retry.ts';
import { validateConfigUpFront } from './validate-config.ts';
import type { HttpContext } from '../http/http-context.ts';
import type { RunLockOptions } from './run-lock.ts';

/** Everything a command needs, opened once and closed once. */
export interface App {
  config: AgentConfig;
  store: EvidenceStore;
  log: Logger;
  secrets: SecretRegistry;
  registry: ConnectorRegistry;
  /** A fresh HTTP context per connector instance (pacing budgets are per tenant). */
  httpFor: (instance: string) => HttpContext;
  /** Lease and renewal of the per-organisation run lock (src/run/run-lock.ts). @default DEFAULT_RUN_LOCK */
  runLock?: RunLockOptions;
  close(): Promise<void>;
}

export interface OpenAppOptions {
  config: AgentConfig;
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
  /** Extra CA PEM trusted besides `http.caFile` (the demo's local double). */
  extraCa?: string;
  /** The command only reads evidence: the store must already exist and no connector is loaded. */
  readOnly?: boolean;
}

export async function openApp(opts: OpenAppOptions): Promise<App> {
  const { config } = opts;
  const secrets = new SecretRegistry(opts.env ?? process.env);
  const log = createLogger({ level: opts.logLevel ?? config.log.level, secrets });
  // Only the connectors the config names are loaded, and none for commands that only read the
  // store: `verify` must work whatever state a connector folder is in.
  const types = new Set(opts.readOnly ? [] : config.organisations.flatMap((o) => o.connectors.map((c) => c.type)));
  const registry = await loadConnectorRegistry(undefined, types);
  if (!opts.readOnly) validateConfigUpFront(config, registry);
  let ca = opts.extraCa ?? null;
  if (config.http.caFile) {
    try {
      ca = [ca, await readFile(config.http.caFile, 'utf8')].filter(Boolean).join('\n');
    } catch (e) {
      throw new AgentError('config_invalid', `http.caFile: cannot read ${config.http.caFile} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { cause: e });
    }
  }
  const store = await openSqliteStore(config.store.path, { mustExist: opts.readOnly === true });
  // A run left `running` by a process that died (SIGKILL, power loss) is marked interrupted, so it
  // never looks like evidence in progress and the next run chains past it.
  const abandoned = await store.markAbandonedRuns();
  if (abandoned.length > 0) log.warn({ runs: abandoned }, 'runs left running by a process that no longer exists were marked interrupted');
  const httpFor = () => createHttpContext(httpContextOptionsFromConfig(config.http, ca));
  return { config, store, log, secrets, registry, httpFor, close: () => store.close() };
}

export async function openAppFromFile(file: string, extra: Omit<OpenAppOptions, 'config'> = {}): Promise<App> {
  const { config } = await loadConfig(file);
  return openApp({ ...extra, config });
}
