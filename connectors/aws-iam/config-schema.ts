import { z } from 'zod';
import { secretRef } from '../../src/core/secrets.ts';
import { PARTITION_IDS, PARTITIONS } from './partitions.ts';

export const AWS_IAM_STREAM_IDS = ['credential-report', 'mfa', 'access-keys', 'admin-rights', 'identity-center-users'] as const;
export type AwsIamStreamId = (typeof AWS_IAM_STREAM_IDS)[number];

const accountId = z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id (quote it in YAML so leading zeros survive)');
const roleName = z.string().regex(/^[\w+=,.@/-]{1,64}$/, 'an IAM role name (path allowed), like EvidentiaAudit');
const roleArn = z.string().regex(/^arn:(aws|aws-us-gov|aws-cn):iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN like arn:aws:iam::111111111111:role/EvidentiaAudit');
const region = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region like us-east-1');

/**
 * `https://` anywhere; `http://` only on the loopback interface (local test doubles): requests
 * signed with temporary credentials carry the session token in a header, which must not cross a
 * network in clear text.
 */
const endpoint = z.url({ protocol: /^https?$/, error: 'an http(s):// URL' }).refine((u) => {
  const url = new URL(u);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, 'https:// is required except for a local test double on 127.0.0.1/localhost');

const account = z
  .object({
    accountId,
    /** A label for reports (e.g. `prod`); Organizations' account name when discovered. */
    name: z.string().min(1).optional(),
    /** Role to assume in the account. Absent: the credentials must belong to this account and are used directly. */
    roleArn: roleArn.optional(),
    /** ExternalId the role's trust policy requires (a secret reference: it is the confused-deputy guard). */
    externalId: secretRef.optional(),
  })
  .strict();

export const awsIamConfigSchema = z
  .object({
    /** Which AWS: commercial (`aws`), GovCloud (`aws-us-gov`) or China (`aws-cn`). @default 'aws' */
    partition: z.enum(PARTITION_IDS).default('aws'),
    /** Region the clients sign for; IAM's home region of the partition suits everyone. @default us-east-1 / us-gov-west-1 / cn-north-1 */
    region: region.optional(),
    /**
     * Where the base credentials come from. Default: the SDK's default chain (environment, shared
     * config/SSO profile, web identity, container or instance role); nothing secret in config.
     */
    credentials: z
      .object({
        /** A named profile of ~/.aws/config (SSO, assume-role or static). */
        profile: z.string().min(1).optional(),
        /** Static keys, read from secrets (tests, demos, odd setups). Prefer roles. */
        static: z.object({ accessKeyId: secretRef, secretAccessKey: secretRef, sessionToken: secretRef.optional() }).strict().optional(),
      })
      .strict()
      .refine((c) => !(c.profile && c.static), 'set either `profile` or `static`, not both')
      .default({}),
    /** The accounts in scope, each read through its role (or directly when the credentials live there). */
    accounts: z.array(account).default([]),
    /** Or: every ACTIVE account of the organisation (Organizations ListAccounts), each through this role. */
    discoverAccounts: z.object({ roleName, externalId: secretRef.optional() }).strict().optional(),
    /** RoleSessionName on AssumeRole, visible in the accounts' CloudTrail. @default 'evidentia' */
    roleSessionName: z.string().regex(/^[\w+=,.@-]{2,64}$/, '2–64 characters of letters, digits and +=,.@_-').default('evidentia'),
    /** IAM Identity Center users (read with the base credentials, in the store's region). */
    identityStore: z.object({ identityStoreId: z.string().regex(/^d-[0-9a-f]{10}$|^[0-9a-f-]{36}$/, 'an identity store id like d-1234567890'), region }).strict().optional(),
    /** Endpoint overrides for proxies, VPC endpoints and local test doubles. */
    endpoints: z.object({ iam: endpoint.optional(), sts: endpoint.optional(), organizations: endpoint.optional(), identitystore: endpoint.optional() }).strict().default({}),
    /**
     * A credential report older than this (by its GeneratedTime) is recorded as a failure, so rules
     * reading it are not evaluable. IAM regenerates at most every 4 hours. @default 4
     */
    credentialReportMaxAgeHours: z.number().positive().max(720).default(4),
    /** How long to wait for IAM to finish generating a credential report. @default 120 */
    credentialReportWaitSeconds: z.number().int().min(0).max(900).default(120),
    /** Streams switched off on purpose; recorded as `disabled`, and rules needing them say so. */
    disabledStreams: z.array(z.enum(AWS_IAM_STREAM_IDS)).default([]),
  })
  .strict()
  .superRefine((c, issue) => {
    if (c.accounts.length === 0 && !c.discoverAccounts) {
      issue.addIssue({ code: 'custom', path: ['accounts'], message: 'list the accounts in scope (`accounts`) or turn on `discoverAccounts`' });
    }
    if (c.accounts.length > 0 && c.discoverAccounts) {
      issue.addIssue({ code: 'custom', path: ['discoverAccounts'], message: 'use either `accounts` or `discoverAccounts`, not both' });
    }
    const p = PARTITIONS[c.partition];
    if (c.region && !p.regionPrefix.test(c.region)) issue.addIssue({ code: 'custom', path: ['region'], message: `${c.region} is not a region of partition ${c.partition}` });
    const seen = new Set<string>();
    c.accounts.forEach((a, i) => {
      if (seen.has(a.accountId)) issue.addIssue({ code: 'custom', path: ['accounts', i, 'accountId'], message: `account ${a.accountId} is listed twice` });
      seen.add(a.accountId);
      if (a.roleArn && !a.roleArn.startsWith(`arn:${c.partition}:iam::${a.accountId}:role/`)) {
        issue.addIssue({ code: 'custom', path: ['accounts', i, 'roleArn'], message: `expected a role of account ${a.accountId} in partition ${c.partition} (arn:${c.partition}:iam::${a.accountId}:role/…)` });
      }
      if (a.externalId && !a.roleArn) issue.addIssue({ code: 'custom', path: ['accounts', i, 'externalId'], message: 'an externalId is only used with a roleArn' });
    });
  });
export type AwsIamConfig = z.infer<typeof awsIamConfigSchema>;

export function regionOf(c: AwsIamConfig): string {
  return c.region ?? PARTITIONS[c.partition].defaultRegion;
}
