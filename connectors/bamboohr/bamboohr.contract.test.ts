import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { doubleTargets } from '../../test/support/contract-targets.ts';
import type { BambooQuirks } from '../../fixtures/bamboohr/index.ts';
import { BAMBOO, configFor, KEY_ENV, startDouble } from './bamboo-test-harness.ts';

/**
 * The shared connector contract against the BambooHR double, through undici and the real retry
 * loop. "Denies every permission" is an API key whose user may not run reports (403).
 */
const targetFor = doubleTargets();

async function target(quirks: Partial<BambooQuirks>): Promise<ContractTarget> {
  const double = await startDouble({ quirks });
  return targetFor(double, { config: configFor(double), env: { [KEY_ENV]: double.apiKey }, ca: null });
}

runConnectorContract({
  connector: BAMBOO,
  start: () => target({}),
  startDenied: () => target({ reportsForbidden: true }),
});
