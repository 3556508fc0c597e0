import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { doubleTargets } from '../../test/support/contract-targets.ts';
import { generateTenant, startGraphDouble, type GraphQuirks } from '../../fixtures/m365/index.ts';
import { configFor, M365, SECRET_ENV, sharedTls } from './m365-test-harness.ts';

/** The shared connector contract, through the real @azure/identity and Graph SDK, against the HTTPS double. */
const tenant = generateTenant({ users: 60, seed: 3 });
const targetFor = doubleTargets();

async function target(quirks: Partial<GraphQuirks>): Promise<ContractTarget> {
  const double = await startGraphDouble({ tenant, quirks, tls: await sharedTls() });
  return targetFor(double, { config: configFor(double), env: { [SECRET_ENV]: double.clientSecret }, ca: double.ca });
}

runConnectorContract({
  connector: M365,
  start: () => target({}),
  startDenied: () => target({ grantedPermissions: [] }),
});
