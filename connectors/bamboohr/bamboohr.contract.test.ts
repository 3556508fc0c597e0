import { afterAll } from 'vitest';
import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import type { BambooQuirks } from '../../fixtures/bamboohr/index.ts';
import { BAMBOO, configFor, KEY_ENV, startDouble } from './bamboo-test-harness.ts';

/**
 * The shared connector contract against the BambooHR double, through undici and the real retry
 * loop. "Denies every permission" is an API key whose user may not run reports (403).
 */
const opened = new Set<ContractTarget>();
afterAll(async () => Promise.all([...opened].map((t) => t.close())));

async function target(quirks: Partial<BambooQuirks>): Promise<ContractTarget> {
  const double = await startDouble({ quirks });
  const t: ContractTarget = {
    config: configFor(double),
    env: { [KEY_ENV]: double.apiKey },
    ca: null,
    close: async () => {
      if (opened.delete(t)) await double.close();
    },
  };
  opened.add(t);
  return t;
}

runConnectorContract({
  connector: BAMBOO,
  start: () => target({}),
  startDenied: () => target({ reportsForbidden: true }),
});
