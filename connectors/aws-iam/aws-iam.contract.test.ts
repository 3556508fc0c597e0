import { afterAll } from 'vitest';
import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import type { AwsQuirks } from '../../fixtures/aws-iam/index.ts';
import { AWS_IAM, configFor, envFor, startDouble } from './aws-iam-test-harness.ts';

/**
 * The shared connector contract, through the real AWS SDK v3 clients (IAM, STS, Organizations,
 * Identity Store), against the local double: two accounts through AssumeRole with an ExternalId,
 * plus Identity Center. Static keys come from env secrets, so no real AWS credentials are read.
 */
const opened = new Set<ContractTarget>();
afterAll(async () => Promise.all([...opened].map((t) => t.close())));

async function target(quirks: Partial<AwsQuirks>): Promise<ContractTarget> {
  const double = await startDouble({ quirks });
  const t: ContractTarget = {
    config: configFor(double),
    env: envFor(double),
    ca: null,
    close: async () => {
      if (opened.delete(t)) await double.close();
    },
  };
  opened.add(t);
  return t;
}

runConnectorContract({
  connector: AWS_IAM,
  start: () => target({}),
  // Every data action refused; AssumeRole still works, so the refusals come from IAM and Identity Store themselves.
  startDenied: () => target({ deniedActions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:GetAccountAuthorizationDetails', 'identitystore:ListUsers'] }),
});
