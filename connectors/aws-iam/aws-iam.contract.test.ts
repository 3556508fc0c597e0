import { runConnectorContract, type ContractTarget } from '../../test/contract/connector-contract.ts';
import { doubleTargets } from '../../test/support/contract-targets.ts';
import type { AwsQuirks } from '../../fixtures/aws-iam/index.ts';
import { AWS_IAM, configFor, envFor, startDouble } from './aws-iam-test-harness.ts';

/**
 * The shared connector contract, through the real AWS SDK v3 clients (IAM, STS, Organizations,
 * Identity Store), against the local double: two accounts through AssumeRole with an ExternalId,
 * plus Identity Center. Static keys come from env secrets, so no real AWS credentials are read.
 */
const targetFor = doubleTargets();

async function target(quirks: Partial<AwsQuirks>): Promise<ContractTarget> {
  const double = await startDouble({ quirks });
  return targetFor(double, { config: configFor(double), env: envFor(double), ca: null });
}

runConnectorContract({
  connector: AWS_IAM,
  start: () => target({}),
  // Every data action refused; AssumeRole still works, so the refusals come from IAM and Identity Store themselves.
  startDenied: () => target({ deniedActions: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:GetAccountAuthorizationDetails', 'identitystore:ListUsers'] }),
});
