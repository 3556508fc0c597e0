import { afterAll } from 'vitest';
import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { generateTenant } from '../../fixtures/m365/index.ts';
import { generateRoster } from '../../fixtures/hr-csv/index.ts';
import { HR_CSV, RosterFiles, unreadablePath } from './hr-csv-test-harness.ts';

/**
 * The shared connector contract against a file instead of a server. "Healthy" is the demo roster;
 * "denies every permission" is a file the process may not read (EACCES → `denied`), which needs
 * the procfs fallback when the tests run as root (see `unreadablePath`). The file connector has
 * no secret, so the "credential never stored" check has nothing to look for (`env` is empty).
 */
const files = new RosterFiles();
afterAll(() => files.cleanup());

const target = (file: string): ContractTarget => ({ config: { file }, env: {}, ca: null, close: async () => {} });

runConnectorContract({
  connector: HR_CSV,
  start: async () => target(await files.write('roster.csv', generateRoster({ m365: generateTenant() }).csv({ bom: true }))),
  startDenied: async () => target(await unreadablePath(files)),
});
