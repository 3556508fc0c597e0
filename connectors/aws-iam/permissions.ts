import type { PermissionSpec } from '../../src/core/connector.ts';

/**
 * What to grant, for the README and `evidentia check`. The three IAM actions are granted in every
 * account in scope (on the audit role, or on the credentials' own identity); the other actions on
 * the identity the base credentials belong to.
 */
export const AWS_IAM_PERMISSIONS: readonly PermissionSpec[] = [
  {
    name: 'iam:GenerateCredentialReport',
    kind: 'iam_action',
    required: true,
    why: 'Asks IAM to (re)build the account credential report; IAM regenerates at most every 4 hours and changes nothing else.',
    streams: ['credential-report', 'mfa', 'access-keys'],
  },
  {
    name: 'iam:GetCredentialReport',
    kind: 'iam_action',
    required: true,
    why: 'Downloads the credential report: every IAM user and the root user with console password use, MFA and access keys.',
    streams: ['credential-report', 'mfa', 'access-keys'],
  },
  {
    name: 'iam:GetAccountAuthorizationDetails',
    kind: 'iam_action',
    required: true,
    why: 'Reads users, groups and their attached and inline policies to find administrators; also the users\' `email` tags.',
    streams: ['admin-rights'],
  },
  {
    name: 'sts:AssumeRole',
    kind: 'iam_action',
    required: false,
    why: 'Assumes the audit role in each account listed with a roleArn or found by discovery (not needed for a single account read directly).',
    streams: ['credential-report', 'mfa', 'access-keys', 'admin-rights'],
  },
  {
    name: 'organizations:ListAccounts',
    kind: 'iam_action',
    required: false,
    why: 'Finds the organisation\'s active accounts when `discoverAccounts` is on (management or delegated-administrator account only).',
    streams: ['credential-report', 'mfa', 'access-keys', 'admin-rights'],
  },
  {
    name: 'identitystore:ListUsers',
    kind: 'iam_action',
    required: false,
    why: 'Lists IAM Identity Center users (name, e-mail, enabled) when `identityStore` is configured.',
    streams: ['identity-center-users'],
  },
];

/** Attach to the audit role in every account in scope (or to the identity that reads its own account). */
export const AUDIT_ROLE_POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'EvidentiaReadIam',
      Effect: 'Allow',
      Action: ['iam:GenerateCredentialReport', 'iam:GetCredentialReport', 'iam:GetAccountAuthorizationDetails'],
      Resource: '*',
    },
  ],
} as const;

/** The audit role's trust policy: only the collector's identity, and only with the agreed ExternalId. */
export function auditRoleTrustPolicy(collectorPrincipalArn: string, externalId: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: collectorPrincipalArn },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': externalId } },
      },
    ],
  };
}

/** Attach to the collector's own identity (the base credentials), keeping only what the config uses. */
export function collectorPolicy(opts: { partition: string; roleName: string; managementAccountId: string; identityStoreId?: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AssumeAuditRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:${opts.partition}:iam::*:role/${opts.roleName}` },
      { Sid: 'DiscoverAccounts', Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' },
      ...(opts.identityStoreId
        ? [{
            Sid: 'ReadIdentityCenterUsers',
            Effect: 'Allow',
            Action: 'identitystore:ListUsers',
            Resource: [`arn:${opts.partition}:identitystore::${opts.managementAccountId}:identitystore/${opts.identityStoreId}`, `arn:${opts.partition}:identitystore:::user/*`],
          }]
        : []),
    ],
  };
}
