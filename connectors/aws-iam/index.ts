import type { Connector } from '../../src/core/connector.ts';
import { AwsRun } from './aws-run.ts';
import { checkAwsIam } from './check.ts';
import { awsIamConfigSchema, type AwsIamConfig } from './config-schema.ts';
import { AWS_IAM_PERMISSIONS } from './permissions.ts';
import { adminRightsStream } from './streams/admin-rights.ts';
import { identityCenterUsersStream } from './streams/identity-center-users.ts';
import { accessKeysStream, credentialReportStream, mfaStream } from './streams/report-streams.ts';

/** AWS IAM (and IAM Identity Center) across one or more accounts, read-only, through the AWS SDK v3. */
export const connector: Connector<AwsIamConfig> = {
  id: 'aws-iam',
  title: 'AWS IAM',
  configSchema: awsIamConfigSchema,
  permissions: AWS_IAM_PERMISSIONS,
  check: checkAwsIam,
  streams(ctx) {
    // Made on first read, so listing the streams touches neither the config nor the network, and
    // all streams of this run share one AwsRun (one report per account, one AssumeRole per account).
    let run: AwsRun | undefined;
    const lazy = () => (run ??= new AwsRun(ctx));
    return [credentialReportStream(lazy), mfaStream(lazy), accessKeysStream(lazy), adminRightsStream(lazy), identityCenterUsersStream(lazy)];
  },
};
