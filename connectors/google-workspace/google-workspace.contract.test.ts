import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { doubleTargets } from '../../test/support/contract-targets.ts';
import { CONNECTOR_SCOPES, type DirectoryQuirks } from '../../fixtures/google-workspace/index.ts';
import { configFor, GOOGLE, KEY_ENV, startDouble } from './google-test-harness.ts';

/**
 * The shared connector contract, through the real @googleapis/admin client and google-auth-library
 * JWT, against the Directory double. "Denies every permission" is the impersonated admin lacking
 * the privilege for every API (403 forbidden): tokens are issued, every data call is refused.
 */
const targetFor = doubleTargets();

async function target(quirks: Partial<DirectoryQuirks>): Promise<ContractTarget> {
  const double = await startDouble({ quirks });
  return targetFor(double, { config: configFor(double), env: { [KEY_ENV]: double.serviceAccount.json }, ca: null });
}

runConnectorContract({
  connector: GOOGLE,
  start: () => target({}),
  startDenied: () => target({ deniedScopes: [...CONNECTOR_SCOPES] }),
});
