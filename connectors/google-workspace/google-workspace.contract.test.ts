import { afterAll } from 'vitest';
import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { CONNECTOR_SCOPES, type DirectoryQuirks } from '../../fixtures/google-workspace/index.ts';
import { configFor, GOOGLE, KEY_ENV, startDouble } from './google-test-harness.ts';

/**
 * The shared connector contract, through the real @googleapis/admin client and google-auth-library
 * JWT, against the Directory double. "Denies every permission" is the impersonated admin lacking
 * the privilege for every API (403 forbidden): tokens are issued, every data call is refused.
 */
const opened = new Set<ContractTarget>();
afterAll(async () => Promise.all([...opened].map((t) => t.close())));

async function target(quirks: Partial<DirectoryQuirks>): Promise<ContractTarget> {
  const double = await startDouble({ quirks });
  const t: ContractTarget = {
    config: configFor(double),
    env: { [KEY_ENV]: double.serviceAccount.json },
    ca: null,
    close: async () => {
      if (opened.delete(t)) await double.close();
    },
  };
  opened.add(t);
  return t;
}

runConnectorContract({
  connector: GOOGLE,
  start: () => target({}),
  startDenied: () => target({ deniedScopes: [...CONNECTOR_SCOPES] }),
});
