import { afterAll } from 'vitest';
import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { generateTenant, startGraphDouble, type GraphQuirks } from '../../fixtures/m365/index.ts';
import { configFor, M365, SECRET_ENV, sharedTls } from './m365-test-harness.ts';

/** The shared connector contract, through the real @azure/identity and Graph SDK, against the HTTPS double. */
const tenant = generateTenant({ users: 60, seed: 3 });
const opened = new Set<ContractTarget>();
afterAll(async () => Promise.all([...opened].map((t) => t.close())));

async function target(quirks: Partial<GraphQuirks>): Promise<ContractTarget> {
  const double = await startGraphDouble({ tenant, quirks, tls: await sharedTls() });
  const t: ContractTarget = {
    config: configFor(double),
    env: { [SECRET_ENV]: double.clientSecret },
    ca: double.ca,
    close: async () => {
      if (opened.delete(t)) await double.close();
    },
  };
  opened.add(t);
  return t;
}

runConnectorContract({
  connector: M365,
  start: () => target({}),
  startDenied: () => target({ grantedPermissions: [] }),
});
