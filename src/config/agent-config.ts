import { readFile } from 'node:fs/promises';
import { isAbsolute, dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { alertsConfig } from '../alert/alert-config.ts';
import { configErrorFromZod, httpConfig, logConfig, organisation, rulesConfig, storeConfig } from '../core/config.ts';
import { AgentError, ConfigError } from '../core/errors.ts';
import { DAEMON_DEFAULTS, daemonConfig, retentionConfig } from '../daemon/daemon-config.ts';
import { exportConfig } from '../export/export-config.ts';

/**
 * The one YAML config file, put together from the sections core and each feature define. Everything
 * is validated here with zod so that a mistake is reported once, as one line naming the key path,
 * before anything touches a tenant or the store. This is the composition root of the config: core
 * and the connectors never import it.
 */
export const configSchema = z
  .object({
    store: storeConfig,
    log: logConfig,
    http: httpConfig,
    rules: rulesConfig,
    organisations: z.array(organisation).min(1, 'at least one organisation is needed'),
    /** Alerts to Slack, Teams, a signed webhook or e-mail (src/alert/alert-config.ts); none when absent. */
    alerts: alertsConfig.optional(),
    /** `evidentia daemon`: schedules, jitter, the health/metrics endpoint (src/daemon/daemon-config.ts). */
    daemon: daemonConfig.default(DAEMON_DEFAULTS),
    retention: retentionConfig.default({}),
    /** Export packages (`evidentia export`): where the signing key lives. */
    export: exportConfig.optional(),
  })
  .strict();
export type AgentConfig = z.infer<typeof configSchema>;

export interface LoadedConfig {
  config: AgentConfig;
  /** Absolute path of the file it came from; relative paths inside resolve against its folder. */
  file: string;
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const abs = resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AgentError(
      'config_missing',
      code === 'ENOENT' ? `config file ${file} does not exist; create one with \`evidentia init\`` : `cannot read config file ${file} (${code ?? 'error'})`,
      { cause: e },
    );
  }
  return { config: parseConfigText(text, abs), file: abs };
}

export function parseConfigText(text: string, file = 'config'): AgentConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0];
    throw new ConfigError('', `${file}${line ? `:${line.line}:${line.col}` : ''}: not valid YAML (${err.code}: ${err.message.split('\n')[0]})`);
  }
  let raw: unknown;
  try {
    // An alias to an anchor that does not exist (`*name`) or an alias bomb only fails here.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError('', `${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`, { cause: e });
  }
  const parsed = configSchema.safeParse(raw ?? {}, { reportInput: true });
  if (!parsed.success) throw configErrorFromZod(parsed.error);
  const config = parsed.data;
  if (!isAbsolute(config.store.path) && file !== 'config') config.store.path = resolve(dirname(file), config.store.path);
  checkUniqueIds(config);
  return config;
}

function checkUniqueIds(config: AgentConfig): void {
  const orgs = new Set<string>();
  config.organisations.forEach((org, i) => {
    if (orgs.has(org.id)) throw new ConfigError(`organisations[${i}].id`, `"${org.id}" is used by another organisation; ids must be unique`);
    orgs.add(org.id);
    const ids = new Set<string>();
    org.connectors.forEach((c, j) => {
      if (ids.has(c.id)) throw new ConfigError(`organisations[${i}].connectors[${j}].id`, `"${c.id}" is used by another connector of this organisation; ids must be unique`);
      ids.add(c.id);
    });
  });
}
