import type { GroupDetail, ManagedPolicyDetail, UserDetail } from '@aws-sdk/client-iam';
import type { EntitySource, RoleAssignment } from '../../src/core/model.ts';
import type { StreamFailure } from '../../src/core/stream-outcome.ts';
import { ADMIN_MANAGED_POLICIES, awsManagedPolicyName, judgePolicyDocument } from './policy-analysis.ts';

/** The account-wide lookups a user's grants are resolved against (all pages merged). */
export interface AuthIndex {
  groups: ReadonlyMap<string, GroupDetail>;
  policies: ReadonlyMap<string, ManagedPolicyDetail>;
  /** False when paging stopped early: a missing group or policy is then expected, not an error. */
  complete: boolean;
}

export function buildIndex(outputs: readonly { GroupDetailList?: GroupDetail[]; Policies?: ManagedPolicyDetail[] }[], complete: boolean): AuthIndex {
  const groups = new Map<string, GroupDetail>();
  const policies = new Map<string, ManagedPolicyDetail>();
  for (const o of outputs) {
    for (const g of o.GroupDetailList ?? []) if (g.GroupName) groups.set(g.GroupName, g);
    for (const p of o.Policies ?? []) if (p.Arn) policies.set(p.Arn, p);
  }
  return { groups, policies, complete };
}

interface Grant {
  pathKey: string;
  roleId: string;
  roleName: string;
  privileged: boolean;
  reason: string;
}

/**
 * One `role_assignment` per (user, grant path): each managed policy attached to the user, each
 * inline policy, and the same through every group the user is in. Non-admin grants are kept with
 * `privileged: false` (an access review needs to see them too). `principalKey` is the user's ARN,
 * the key the credential-report stream gives the same user's account.
 */
export function mapUserGrants(u: UserDetail, idx: AuthIndex, accountLabel: string, accountId: string, source: EntitySource): { entities: RoleAssignment[]; failures: StreamFailure[] } {
  const failures: StreamFailure[] = [];
  if (!u.Arn || !u.UserName) return { entities: [], failures: [{ kind: 'invalid', detail: `a user in account ${accountLabel} came without Arn or UserName and was not counted` }] };
  const grants: Grant[] = [];
  const through = (g: string | null) => (g ? ` through group ${g}` : ' directly');
  const managed = (policyArn: string, policyName: string, group: string | null) => {
    const pathKey = `${group ? `group:${group}|` : ''}managed|${policyArn}`;
    const awsName = awsManagedPolicyName(policyArn);
    if (awsName !== null) {
      const admin = ADMIN_MANAGED_POLICIES.has(awsName);
      grants.push({ pathKey, roleId: policyArn, roleName: awsName, privileged: admin, reason: admin ? `${awsName} attached${through(group)}` : `AWS managed policy ${awsName} attached${through(group)}; not AdministratorAccess or IAMFullAccess` });
      return;
    }
    const p = idx.policies.get(policyArn);
    const doc = p?.PolicyVersionList?.find((v) => v.IsDefaultVersion)?.Document;
    if (doc === undefined) {
      if (idx.complete) failures.push({ kind: 'invalid', detail: `customer-managed policy ${policyArn} attached to ${u.UserName} in account ${accountLabel} has no default version in GetAccountAuthorizationDetails; the grant was not judged` });
      return;
    }
    judged(pathKey, policyArn, policyName, `customer-managed policy ${policyName}${p?.DefaultVersionId ? ` (default version ${p.DefaultVersionId})` : ''}`, doc, group);
  };
  const judged = (pathKey: string, roleId: string, roleName: string, what: string, doc: string, group: string | null) => {
    const v = judgePolicyDocument(doc);
    if (!v.ok) {
      failures.push({ kind: 'invalid', detail: `${what} of ${u.UserName} in account ${accountLabel}: ${v.why}; the grant was not judged` });
      return;
    }
    grants.push({ pathKey, roleId, roleName, privileged: v.admin, reason: `${what}${group ? ` through group ${group}` : ''} ${v.why}` });
  };
  for (const p of u.AttachedManagedPolicies ?? []) if (p.PolicyArn) managed(p.PolicyArn, p.PolicyName ?? p.PolicyArn, null);
  for (const p of u.UserPolicyList ?? []) {
    if (p.PolicyName && p.PolicyDocument !== undefined) judged(`inline|${p.PolicyName}`, `${u.Arn}/inline-policy/${p.PolicyName}`, p.PolicyName, `inline policy ${p.PolicyName}`, p.PolicyDocument, null);
  }
  for (const groupName of u.GroupList ?? []) {
    const g = idx.groups.get(groupName);
    if (!g) {
      if (idx.complete) failures.push({ kind: 'invalid', detail: `group ${groupName} of ${u.UserName} in account ${accountLabel} is not in GetAccountAuthorizationDetails; its grants were not judged` });
      continue;
    }
    for (const p of g.AttachedManagedPolicies ?? []) if (p.PolicyArn) managed(p.PolicyArn, p.PolicyName ?? p.PolicyArn, groupName);
    for (const p of g.GroupPolicyList ?? []) {
      if (p.PolicyName && p.PolicyDocument !== undefined) judged(`group:${groupName}|inline|${p.PolicyName}`, `${g.Arn ?? groupName}/inline-policy/${p.PolicyName}`, p.PolicyName, `inline policy ${p.PolicyName}`, p.PolicyDocument, groupName);
    }
  }
  const entities = grants.map((g): RoleAssignment => ({
    kind: 'role_assignment',
    key: `${u.Arn}|${g.pathKey}`,
    source,
    principalKey: u.Arn!,
    principalType: 'user',
    principalName: u.UserName!,
    roleId: g.roleId,
    roleName: g.roleName,
    privileged: g.privileged,
    privilegeReason: g.reason,
    assignment: 'active',
    scope: `aws-account:${accountId}`,
  }));
  return { entities, failures };
}

/** The `email` tag of a user (case-insensitive key), for the account records. */
export function emailTagOf(u: UserDetail): string | null {
  const tag = (u.Tags ?? []).find((t) => t.Key?.toLowerCase() === 'email');
  const v = tag?.Value?.trim();
  return v ? v : null;
}
