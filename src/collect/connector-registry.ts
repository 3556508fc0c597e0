import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Connector } from '../core/connector.ts';
import type { AgentConfig } from '../config/agent-config.ts';
import { configErrorFromZod } from '../core/config.ts';
import { AgentError, ConfigError } from '../core/errors.ts';
import { compareCodeUnits } from '../core/code-unit-order.ts';

const CONNECTORS_DIR = fileURLToPath(new URL('../../connectors/', import.meta.url));

export type ConnectorRegistry = ReadonlyMap<string, Connector<unknown>>;

/**
 * Every folder under `connectors/` (except `_template`) with an `index.ts` exporting `connector`
 * is a connector: adding one is adding a folder, nothing else. The folder name is the connector
 * id; `only` limits loading to the ids a config uses.
 */
export async function loadConnectorRegistry(dir = CONNECTORS_DIR, only?: ReadonlySet<string>): Promise<ConnectorRegistry> {
  const entries = await readdir(dir, { withFileTypes: true });
  const registry = new Map<string, Connector<unknown>>();
  for (const e of entries.sort((a, b) => compareCodeUnits(a.name, b.name))) {
    if (!e.isDirectory() || e.name.startsWith('_') || e.name.startsWith('.')) continue;
    // A connector's folder is named after its id (`type:` in the config).
    if (only && !only.has(e.name)) continue;
    const entry = join(dir, e.name, 'index.ts');
    if (!existsSync(entry)) {
      throw new AgentError('internal', `connectors/${e.name}/ has no index.ts; every folder under connectors/ (except those starting with _) must be a complete connector`);
    }
    const mod = (await import(pathToFileURL(entry).href)) as { connector?: Connector<unknown> };
    if (!mod.connector) throw new AgentError('internal', `connectors/${e.name}/index.ts does not export \`connector\``);
    if (mod.connector.id !== e.name) throw new AgentError('internal', `connectors/${e.name}/ exports a connector with id "${mod.connector.id}"; the folder must be named after the id`);
    registry.set(mod.connector.id, mod.connector);
  }
  return registry;
}

export interface ResolvedConnector {
  connector: Connector<unknown>;
  instance: string;
  /** The connector block parsed by the connector's own schema. */
  config: unknown;
  /** Stream ids the config switched off. */
  disabledStreams: readonly string[];
}

/** Validates every connector block with its connector's schema; errors name the exact key path. */
export function resolveConnectors(config: AgentConfig, orgIndex: number, registry: ConnectorRegistry): ResolvedConnector[] {
  const org = config.organisations[orgIndex]!;
  return org.connectors.map((block, j) => {
    const path = ['organisations', orgIndex, 'connectors', j] as const;
    const connector = registry.get(block.type);
    if (!connector) {
      throw new ConfigError(`organisations[${orgIndex}].connectors[${j}].type`, `unknown connector "${block.type}"; known: ${[...registry.keys()].join(', ')}`);
    }
    const { type: _type, id, ...rest } = block;
    const parsed = connector.configSchema.safeParse(rest, { reportInput: true });
    if (!parsed.success) throw configErrorFromZod(parsed.error, path);
    const disabled = (parsed.data as { disabledStreams?: unknown }).disabledStreams;
    return { connector, instance: id, config: parsed.data, disabledStreams: Array.isArray(disabled) ? (disabled as string[]) : [] };
  });
}
