import { describe, expect, it } from 'vitest';
import { awsIamConfigSchema, regionOf } from './config-schema.ts';
import { awsManagedPolicyName, judgePolicyDocument } from './policy-analysis.ts';
import { parseCredentialReport } from './report-csv.ts';
import { parseRow } from './report-rows.ts';
import { classifyAws } from './aws-errors.ts';
import { createClients } from './aws-clients.ts';
import { PARTITIONS, PARTITION_IDS } from './partitions.ts';
import { createHttpContext } from '../../src/http/request-with-retry.ts';
import type { ConnectorContext } from '../../src/core/connector.ts';
import type { AwsIamConfig } from './config-schema.ts';

const HEADER = 'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const ROW = (user: string, rest = 'TRUE,2026-11-01T10:00:00+00:00,2026-01-01T00:00:00+00:00,N/A,FALSE,TRUE,2026-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A') =>
  `${user},arn:aws:iam::111111111111:user/x,2025-01-01T00:00:00+00:00,${rest}`;

describe('credential report CSV', () => {
  it('reads quoted fields (IAM names may hold commas), CRLF, no final newline, and ignores columns it does not know', () => {
    const csv = `${HEADER},some_future_column\r\n${ROW('"a,b"')},x\r\n${ROW('plain')},y`;
    const p = parseCredentialReport(csv);
    expect(p.missingColumns).toEqual([]);
    expect(p.malformed).toEqual([]);
    expect(p.rows.map((r) => r.values.user)).toEqual(['a,b', 'plain']);
    expect(p.rows[0]!.line).toBe(2);
  });

  it('names missing required columns and rows of the wrong width', () => {
    expect(parseCredentialReport('user,arn\nx,y\n').missingColumns).toContain('mfa_active');
    const p = parseCredentialReport(`${HEADER}\n${ROW('ok')}\nshort,row\n`);
    expect(p.malformed).toEqual([{ line: 3, why: '2 fields where the header has 22' }]);
  });

  it('types a row: TRUE/FALSE either case, N/A, no_information, not_supported; a bad time is refused', () => {
    const p = parseCredentialReport(`${HEADER}\n${ROW('u')}\n`);
    const r = parseRow(2, p.rows[0]!.values);
    expect('row' in r && r.row).toMatchObject({ passwordEnabled: true, mfaActive: false, passwordLastUsed: { at: '2026-11-01T10:00:00.000Z' }, keys: [{ active: true, exists: true, lastUsedAt: null }, { active: false, exists: false }] });
    const bad = parseRow(2, { ...p.rows[0]!.values, password_last_used: 'yesterday' });
    expect(bad).toEqual({ why: 'password_last_used is "yesterday", not a time or N/A/no_information/not_supported' });
    const root = parseRow(2, { ...p.rows[0]!.values, user: '<root_account>', arn: 'arn:aws:iam::111111111111:root', password_enabled: 'not_supported', password_last_used: 'no_information' });
    expect('row' in root && root.row).toMatchObject({ isRoot: true, passwordEnabled: null, passwordLastUsed: 'no_information' });
  });
});

describe('admin policy analysis', () => {
  const enc = (doc: unknown) => encodeURIComponent(JSON.stringify(doc));
  it.each([
    ['object Statement, string Action "*"', { Statement: { Effect: 'Allow', Action: '*', Resource: '*' } }, true],
    ['array Action with iam:* (case-insensitive)', { Statement: [{ Effect: 'Allow', Action: ['s3:Get*', 'IAM:*'], Resource: ['arn:aws:s3:::b', '*'] }] }, true],
    ['"*:*"', { Statement: [{ Effect: 'Allow', Action: '*:*', Resource: '*' }] }, true],
    ['a narrower resource', { Statement: [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:s3:::bucket/*' }] }, false],
    ['Deny "*"', { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] }, false],
    // PowerUser-like: everything but IAM is still privileged access, whose MFA must be checked.
    ['NotAction (PowerUser-like)', { Statement: [{ Effect: 'Allow', NotAction: ['iam:*'], Resource: '*' }] }, true],
    ['iam:* on IAM resources of one account', { Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: 'arn:aws:iam::111111111111:*' }] }, true],
    ['privilege escalation by wildcard', { Statement: [{ Effect: 'Allow', Action: ['iam:Attach*', 'iam:Put*'], Resource: '*' }] }, true],
    ['"*" with NotResource', { Statement: [{ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:s3:::audit-logs/*' }] }, true],
    ['read-only IAM wildcards', { Statement: [{ Effect: 'Allow', Action: ['iam:List*', 'iam:Get*'], Resource: '*' }] }, false],
    ['iam:Get* only', { Statement: [{ Effect: 'Allow', Action: 'iam:Get*', Resource: '*' }] }, false],
  ])('%s', (_name, doc, admin) => {
    const v = judgePolicyDocument(enc({ Version: '2012-10-17', ...doc }));
    expect(v.ok && v.admin).toBe(admin);
  });

  it('says when a condition was not evaluated, and refuses what is not URL-encoded JSON', () => {
    const v = judgePolicyDocument(enc({ Statement: { Sid: 'Mfa', Effect: 'Allow', Action: '*', Resource: '*', Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } } }));
    expect(v).toEqual({ ok: true, admin: true, why: 'allows Action "*" on Resource "*" (statement Mfa) (with a condition, not evaluated)' });
    expect(judgePolicyDocument('%7Bnot json').ok).toBe(false);
    expect(judgePolicyDocument(enc({ Version: '2012-10-17' })).ok).toBe(false);
  });

  it('names AWS managed policies in every partition, with paths', () => {
    expect(awsManagedPolicyName('arn:aws:iam::aws:policy/AdministratorAccess')).toBe('AdministratorAccess');
    expect(awsManagedPolicyName('arn:aws-us-gov:iam::aws:policy/job-function/ViewOnlyAccess')).toBe('ViewOnlyAccess');
    expect(awsManagedPolicyName('arn:aws:iam::111111111111:policy/AdministratorAccess')).toBeNull();
  });
});

describe('error classification', () => {
  it.each([
    [400, 'Throttling', 'throttled'], [429, 'TooManyRequestsException', 'throttled'], [403, 'AccessDenied', 'denied'],
    [403, 'AccessDeniedException', 'denied'], [403, 'InvalidClientTokenId', 'auth'], [403, 'ExpiredToken', 'auth'],
    [500, 'ServiceFailure', 'transient'], [undefined, 'ECONNRESET', 'transient'], [400, 'ValidationError', 'invalid'],
  ] as const)('%s %s → %s', (status, code, kind) => expect(classifyAws(status, code)).toBe(kind));
});

describe('config', () => {
  const ok = { accounts: [{ accountId: '111111111111' }] };
  it('needs the accounts in scope and fills the defaults', () => {
    const r = awsIamConfigSchema.safeParse({});
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('list the accounts in scope (`accounts`) or turn on `discoverAccounts`');
    const c = awsIamConfigSchema.parse(ok);
    expect(c).toMatchObject({ partition: 'aws', credentials: {}, credentialReportMaxAgeHours: 4, roleSessionName: 'evidentia', disabledStreams: [] });
    expect(regionOf(c)).toBe('us-east-1');
    expect(regionOf(awsIamConfigSchema.parse({ ...ok, partition: 'aws-cn' }))).toBe('cn-north-1');
    expect(regionOf(awsIamConfigSchema.parse({ ...ok, partition: 'aws-us-gov' }))).toBe('us-gov-west-1');
  });

  it.each([
    ['plain http to a remote host', { ...ok, endpoints: { iam: 'http://proxy.example.com' } }],
    ['a region of another partition', { ...ok, region: 'cn-north-1' }],
    ['a role ARN of another account', { accounts: [{ accountId: '111111111111', roleArn: 'arn:aws:iam::222222222222:role/R' }] }],
    ['accounts and discovery together', { ...ok, discoverAccounts: { roleName: 'R' } }],
    ['an externalId without a role', { accounts: [{ accountId: '111111111111', externalId: { env: 'X' } }] }],
    ['profile and static keys together', { ...ok, credentials: { profile: 'p', static: { accessKeyId: { env: 'A' }, secretAccessKey: { env: 'B' } } } }],
    ['an account id that lost its leading zero', { accounts: [{ accountId: '12345678901' }] }],
  ])('refuses %s', (_name, value) => expect(awsIamConfigSchema.safeParse(value).success).toBe(false));

  it('accepts a loopback http endpoint (test doubles)', () => {
    expect(awsIamConfigSchema.safeParse({ ...ok, endpoints: { iam: 'http://127.0.0.1:4566', sts: 'http://localhost:4566' } }).success).toBe(true);
  });
});

describe('partitions', () => {
  it.each(PARTITION_IDS)('%s: the default region makes the SDK resolve the partition\'s IAM endpoint', async (partition) => {
    const config = awsIamConfigSchema.parse({ accounts: [{ accountId: '111111111111' }], partition });
    const cleanups: (() => void)[] = [];
    const ctx = { config, http: createHttpContext(), defer: (f: () => void) => cleanups.push(f) } as unknown as ConnectorContext<AwsIamConfig>;
    const iam = createClients(ctx).iam({ accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'not-a-secret' });
    const resolved = await iam.config.endpointProvider({ Region: regionOf(config), UseFIPS: false, UseDualStack: false });
    expect(resolved.url.origin).toBe(PARTITIONS[partition].iamEndpoint);
    for (const f of cleanups) f();
  });
});
