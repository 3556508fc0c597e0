import type { AgentConfig } from '../config/agent-config.ts';
import { resolveConnectors, type ConnectorRegistry } from '../collect/connector-registry.ts';
import { resolveRuleParams } from '../evaluate/run-rules.ts';
import { allRules } from '../../rules/index.ts';

/**
 * Everything in the config that is checked by a connector's or a rule's own schema, checked before
 * anything is opened or contacted: a mistyped tenant id or threshold is exit 2 at once, not an
 * evidence store created for a config that cannot run, nor an error after a whole collection.
 */
export function validateConfigUpFront(config: AgentConfig, registry: ConnectorRegistry): void {
  config.organisations.forEach((org, i) => {
    resolveConnectors(config, i, registry);
    // As evaluate-run.ts passes them: the approved-apps register travels in shadow-ai's params.
    const orgRules = { ...org.rules, 'shadow-ai': { ...org.rules['shadow-ai'], approvedApps: org.approvedApps } };
    resolveRuleParams(
      allRules,
      { global: config.rules, org: orgRules, exceptions: org.exceptions },
      { global: 'rules', org: `organisations[${i}].rules`, exceptions: `organisations[${i}].exceptions` },
    );
  });
}
