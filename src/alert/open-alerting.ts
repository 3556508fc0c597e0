import type { Logger } from 'pino';
import type { AgentConfig } from '../config/agent-config.ts';
import type { SecretRegistry } from '../core/secrets.ts';
import type { EvidenceStore } from '../store/evidence-store.ts';
import { openSqliteAlertStore } from '../store/sqlite/alert-store.ts';
import { createAlerting } from './create-alerting.ts';
import type { Alerting } from './create-alerting.ts';
import type { FetchLike } from './channels/post-json.ts';

/**
 * Alerting over the configured evidence database, or null when the config has no `alerts:`.
 * Opens its own connection to the same file (the alert tables come from the same migrations).
 */
export async function openAlerting(deps: { config: AgentConfig; store: EvidenceStore; secrets: SecretRegistry; log: Logger; now: () => Date; fetch?: FetchLike }): Promise<Alerting | null> {
  if (!deps.config.alerts) return null;
  const alertStore = await openSqliteAlertStore(deps.config.store.path);
  try {
    return await createAlerting({ ...deps, alertStore });
  } catch (e) {
    await alertStore.close();
    throw e;
  }
}
