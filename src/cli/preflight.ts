import { secretRef, type SecretRef } from '../core/secrets.ts';
import { resolveConnectors, type ResolvedConnector } from '../collect/connector-registry.ts';
import { resolveRuleParams } from '../evaluate/run-rules.ts';
import { allRules } from '../../rules/index.ts';
import type { App } from '../run/app.ts';

/**
 * Everything that can be wrong before a single request is sent is checked for every selected
 * organisation first: connector blocks, rule parameters, and every secret reference. A mistake in
 * the second organisation's config must not surface after the first one was collected.
 */
export async function preflight(app: App, orgIndexes: readonly number[]): Promise<Map<number, ResolvedConnector[]>> {
  const resolved = new Map<number, ResolvedConnector[]>();
  for (const i of orgIndexes) {
    const org = app.config.organisations[i]!;
    const connectors = resolveConnectors(app.config, i, app.registry);
    resolveRuleParams(allRules, { global: app.config.rules, org: org.rules }, { global: 'rules', org: `organisations[${i}].rules` });
    for (const [j, rc] of connectors.entries()) {
      for (const { ref, path } of secretRefsIn(rc.config)) {
        await app.secrets.resolve(ref, `organisations[${i}].connectors[${j}].${path}`);
      }
    }
    resolved.set(i, connectors);
  }
  return resolved;
}

/** Every `{ env }` / `{ file }` object in a parsed connector config, with its key path. */
export function secretRefsIn(value: unknown, path = ''): { ref: SecretRef; path: string }[] {
  if (value === null || typeof value !== 'object') return [];
  if (!Array.isArray(value)) {
    const asRef = secretRef.safeParse(value);
    if (asRef.success) return [{ ref: asRef.data, path }];
  }
  const entries = Array.isArray(value) ? value.map((v, k) => [`[${k}]`, v] as const) : Object.entries(value).map(([k, v]) => [path ? `.${k}` : k, v] as const);
  return entries.flatMap(([k, v]) => secretRefsIn(v, `${path}${k}`));
}
