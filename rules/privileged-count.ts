import { z } from 'zod';
import type { Account, RoleAssignment } from '../src/core/model.ts';
import type { ResultBreakdown, ResultSubject, Rule, RuleVerdict } from '../src/core/rule.ts';
import type { SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { awsAccountIdOf, ownerLabel } from './cloud-account.ts';
import { CLASS_LABELS, join, plural } from './measure.ts';

export const privilegedCountParams = z
  .object({
    /** Fewest top-level admins per system: fewer leaves no one to recover a lost or locked-out admin. @default 2 */
    min: z.number().int().min(0).default(2),
    /** Most top-level admins per system: each one more can take over the whole system. @default 4 */
    max: z.number().int().min(1).default(4),
  })
  .strict()
  .refine((p) => p.min <= p.max, { message: 'min must not be greater than max', path: ['min'] });
export type PrivilegedCountParams = z.infer<typeof privilegedCountParams>;

/** Entra's Global Administrator role template id: the same in every tenant. */
export const GLOBAL_ADMIN_TEMPLATE = '62e90394-69f5-4237-9190-012177145e10';

/** What each system calls its top-level admin role, for sentences. */
const TOP_ROLE: Record<string, string> = {
  m365: 'Global Administrator',
  'google-workspace': 'super admin',
  'aws-iam': 'AdministratorAccess',
};

/**
 * Whether a role assignment grants the TOP-LEVEL admin role of its system: the one place this is
 * decided, by the connector that mapped it (each names roles its own way; rules may not import
 * connectors, so the markers below are those connectors' documented output, and
 * privileged-count.test.ts maps real vendor records through them to keep the two in step).
 * - `m365`: Global Administrator, by role template id (connectors/m365/map-roles.ts puts the
 *   template id in `roleId`; display names can be localised).
 * - `google-workspace`: a role Google marks `isSuperAdminRole` (the `_SEED_ADMIN_ROLE`);
 *   connectors/google-workspace/privileged-roles.ts words its `privilegeReason` "… is a super admin
 *   role …". Accounts Google marks `isAdmin` are counted too (see `googleSuperAdmin`).
 * - `aws-iam`: the AWS-managed `AdministratorAccess` policy (any partition), or any policy the
 *   connector judged to allow Action "*" on Resource "*" (connectors/aws-iam/policy-analysis.ts):
 *   the same power under another name. `IAMFullAccess` and `iam:*` are privileged (admin-mfa checks
 *   them) but not the top-level role.
 * Any other connector has no known top-level role: its systems are `not_evaluable`, not guessed.
 */
export function isTopLevelAdmin(a: RoleAssignment): boolean {
  switch (a.source.connector) {
    case 'm365':
      return a.roleId === GLOBAL_ADMIN_TEMPLATE;
    case 'google-workspace':
      return a.roleName === '_SEED_ADMIN_ROLE' || a.privilegeReason.includes('is a super admin role');
    case 'aws-iam':
      return AWS_ADMINISTRATOR_ACCESS.test(a.roleId) || (a.privileged && a.privilegeReason.includes('allows Action "*" on Resource "*"'));
    default:
      return false;
  }
}

const AWS_ADMINISTRATOR_ACCESS = /^arn:aws(?:-[a-z-]+)?:iam::aws:policy\/AdministratorAccess$/;

/** Google's directory flag: `isAdmin` is true exactly for super admins. */
function googleSuperAdmin(account: Account): boolean {
  return account.source.connector === 'google-workspace' && account.attributes['isAdmin'] === true;
}

/**
 * Per system, the number of distinct enabled accounts holding the top-level admin role is within
 * `min`..`max` (default 2..4).
 *
 * Decisions:
 * - A system is a connector instance; for AWS, each AWS account in it (`attributes.awsAccountId`,
 *   assignment scope `aws-account:<id>`), since an instance may cover several.
 * - Counted: enabled accounts of every class holding the role, break-glass included (controls.md),
 *   service accounts too (an IAM user with AdministratorAccess is an admin). PIM-eligible
 *   assignments count: they can be activated at any moment; the summary says how many are eligible.
 * - Not counted, listed as excluded: disabled accounts and service principals (no one signs in as
 *   them, so they are no redundancy; review them under privileged access). AWS root users hold no
 *   assignment and are judged by root-account.
 * - Too few (< min) and too many (> max) both fail, saying why. Where we cannot see (the role held
 *   by a group whose members are not collected, or by an account that was not collected) the count
 *   is a range; the system fails only if the whole range is outside min..max, else `not_evaluable`.
 * - AWS: administrators through IAM Identity Center permission sets or federated roles are not
 *   collected, so "too few" may undercount; the subject says so, and an exception can accept it.
 * - `measured` is the largest per-system count (it reads against `threshold` = max); each system's
 *   count is in the breakdown; `min` is in the summary. `null` when not evaluable.
 * - Exceptions (`exceptionEffect: 'subjects'`): a failing system is one subject, ref the system
 *   (`m365-main`, `aws-prod/111122223333`), label the role ("Global Administrator", "AdministratorAccess
 *   in AWS account 111122223333"); with every failing system excepted the status is re-derived and
 *   the counts are kept.
 */
export const privilegedCount: Rule<PrivilegedCountParams> = {
  id: 'privileged-count',
  title: 'Number of top-level admins per system',
  description:
    'Per system, the number of enabled accounts holding the top-level admin role (Entra Global Administrator, Google super admin, AWS AdministratorAccess), active or eligible, break-glass included, is within min..max (default 2–4).',
  controls: ['ISO27001:2022/A.8.2', 'SOC2/CC6.3', 'CISv8/5.4'],
  requires: [{ entity: 'account', fields: ['enabled', 'vendorType'] }, { entity: 'role_assignment' }],
  paramsSchema: privilegedCountParams,
  exceptionEffect: 'subjects',
  evaluate(view, { min, max }) {
    const systems = collectSystems(view);
    if (systems.length === 0) {
      const reason = 'no system collects role assignments';
      return { status: 'not_evaluable', summary: reason, measured: null, threshold: max, unit: 'count', reasons: [reason], breakdown: [], subjects: [] };
    }
    const subjects: ResultSubject[] = [];
    const reasons: string[] = [];
    const rows: ResultBreakdown[] = [];
    for (const s of systems) {
      const judged = judge(s, min, max);
      subjects.push(...s.notCounted, ...s.unseen.map((u) => u.subject));
      if (judged.fail) subjects.push({ ref: s.key, label: s.awsAccount === null ? s.role : `${s.role} in AWS account ${s.awsAccount}`, instance: s.instance, status: 'fail', why: judged.fail });
      if (judged.status === 'not_evaluable') {
        reasons.push(`${s.label}: ${judged.summary}`);
        // Every unknown is a subject, so an exception covering a failing system elsewhere cannot turn this one into a pass.
        if (s.unseen.length === 0) subjects.push({ ref: s.key, label: s.label, instance: s.instance, status: 'not_evaluable', why: judged.summary });
      }
      rows.push({ scope: s.key, status: judged.status, measured: judged.status === 'not_evaluable' ? null : s.holders.size, summary: judged.summary });
    }
    const status: RuleVerdict['status'] = rows.some((r) => r.status === 'fail') ? 'fail' : rows.some((r) => r.status === 'not_evaluable') ? 'not_evaluable' : 'pass';
    // The largest count among systems that could be counted: it reads against `threshold` (= max).
    const measured = status === 'not_evaluable' ? null : Math.max(...rows.flatMap((r) => (r.measured === null ? [] : [r.measured])));
    const summary = systems.length === 1 ? rows[0]!.summary : describeAll(systems, rows, min, max);
    return { status, summary, measured, threshold: max, unit: 'count', reasons: status === 'not_evaluable' ? reasons : [], breakdown: [{ scope: 'overall', status, measured, summary }, ...rows], subjects };
  },
};

interface Holder {
  label: string;
  /** e.g. "break-glass, active" */
  how: Set<string>;
  eligibleOnly: boolean;
}

interface System {
  key: string;
  instance: string;
  label: string;
  connector: string;
  awsAccount: string | null;
  role: string;
  known: boolean;
  holders: Map<string, Holder>;
  /** Holders we cannot count: groups (members unknown) and accounts that were not collected. */
  unseen: { group: boolean; subject: ResultSubject }[];
  notCounted: ResultSubject[];
}

function collectSystems(view: SnapshotView): System[] {
  const systems = new Map<string, System>();
  const connectorOf = new Map(view.outcomes.filter((o) => o.entity === 'role_assignment').map((o) => [o.instance, o.connector]));
  const system = (instance: string, awsAccount: string | null): System => {
    const key = awsAccount === null ? instance : `${instance}/${awsAccount}`;
    let s = systems.get(key);
    if (!s) {
      const connector = connectorOf.get(instance) ?? '';
      const label = awsAccount === null ? instance : `${instance} (AWS account ${awsAccount})`;
      s = { key, instance, connector, awsAccount, label, role: TOP_ROLE[connector] ?? 'top-level admin role', known: connector in TOP_ROLE, holders: new Map(), unseen: [], notCounted: [] };
      systems.set(key, s);
    }
    return s;
  };
  // Every AWS account seen in an instance is a system, even one where nobody holds the role.
  for (const [instance, connector] of connectorOf) {
    const ids = new Set<string | null>();
    // Accounts without an AWS account id (IAM Identity Center users) belong to no AWS account.
    if (connector === 'aws-iam') for (const a of view.entities('account')) if (a.source.instance === instance && awsAccountIdOf(a) !== null) ids.add(awsAccountIdOf(a));
    if (ids.size === 0) ids.add(null);
    for (const id of ids) system(instance, id);
  }

  for (const a of view.entities('role_assignment')) {
    if (!connectorOf.has(a.source.instance) || !isTopLevelAdmin(a)) continue;
    const scoped = /^aws-account:(\d+)$/.exec(a.scope)?.[1] ?? null;
    const s = system(a.source.instance, a.source.connector === 'aws-iam' ? scoped : null);
    const name = a.principalName ?? a.principalKey;
    if (a.principalType === 'group') {
      const why = `${s.role} (${a.assignment}) assigned to group ${name}; group members are not collected, so the number of ${s.role}s in ${s.label} cannot be known`;
      s.unseen.push({ group: true, subject: { ref: a.principalKey, label: name, instance: s.instance, status: 'not_evaluable', why } });
    } else if (a.principalType === 'service_principal') {
      s.notCounted.push({ ref: a.principalKey, label: name, instance: s.instance, status: 'excluded', why: `service principal holding ${s.role} (${a.assignment}): not an account anyone signs in as, so not counted; review it under privileged access` });
    } else {
      const account = view.find('account', a.source.instance, a.principalKey);
      if (account) addHolder(view, s, account, a.assignment);
      else {
        const why = `holds ${s.role} (${a.assignment}) but its account was not collected, so whether it is enabled cannot be told`;
        s.unseen.push({ group: false, subject: { ref: a.principalKey, label: name, instance: s.instance, status: 'not_evaluable', why } });
      }
    }
  }
  for (const account of view.entities('account')) {
    if (connectorOf.has(account.source.instance) && googleSuperAdmin(account)) addHolder(view, system(account.source.instance, null), account, 'active');
  }
  return [...systems.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function addHolder(view: SnapshotView, s: System, account: Account, assignment: RoleAssignment['assignment']): void {
  const cls = view.accountClass(account);
  if (cls.class === 'disabled') {
    if (!s.notCounted.some((x) => x.ref === account.key)) {
      s.notCounted.push({ ref: account.key, label: ownerLabel(account), instance: s.instance, status: 'excluded', why: `holds ${s.role} but is not counted: ${cls.why}` });
    }
    return;
  }
  // The username alone: the system (an AWS account, a tenant) is already named around the list.
  const h = s.holders.get(account.key) ?? { label: account.username, how: new Set<string>(), eligibleOnly: true };
  if (cls.class !== 'human') h.how.add(CLASS_LABELS[cls.class]);
  h.how.add(assignment);
  if (assignment === 'active') h.eligibleOnly = false;
  s.holders.set(account.key, h);
}

interface Judged {
  status: RuleVerdict['status'];
  summary: string;
  /** The failing subject's why, when the system fails. */
  fail?: string;
}

function judge(s: System, min: number, max: number): Judged {
  const range = `${min}–${max}`;
  if (!s.known) return { status: 'not_evaluable', summary: `no top-level admin role is known for this system's connector, so its admins cannot be counted` };
  const count = s.holders.size;
  const groups = s.unseen.filter((u) => u.group).length;
  const unseenAccounts = s.unseen.length - groups;
  const high = groups > 0 ? Number.POSITIVE_INFINITY : count + unseenAccounts;
  const held = `${count} ${count === 1 ? 'account holds' : 'accounts hold'} ${s.role}`;
  const list = describeHolders(s);
  const eligible = [...s.holders.values()].filter((h) => h.eligibleOnly).length;
  const notes = join(
    eligible > 0 ? `${eligible} only eligible (counted: it can be activated at any time)` : '',
    s.unseen.length > 0 ? `${plural(s.unseen.length, 'holder')} not countable (${groups > 0 ? 'group members not collected' : 'account not collected'})` : '',
    s.notCounted.length > 0 ? `${s.notCounted.length} not counted (disabled or service principal)` : '',
  );
  if (count > max) {
    const fail = `${held} (max ${max}): ${list}; each top-level admin beyond ${max} is one more account that can take over all of ${s.label}`;
    return { status: 'fail', summary: join(`${held}, more than ${max} (allowed ${range})`, notes), fail };
  }
  if (high < min) {
    const aws = s.connector === 'aws-iam' ? '; administrators through IAM Identity Center or federated roles are not collected: if they exist, record an exception for this system' : '';
    const who = count === 0 ? `no enabled account holds ${s.role}` : `only ${held}`;
    const fail = `${who} (min ${min})${count > 0 ? `: ${list}` : ''}; with fewer than ${min} there is no one to recover if an admin account is lost or locked out${aws}`;
    return { status: 'fail', summary: join(`${who}, fewer than ${min} (allowed ${range})`, notes), fail };
  }
  if (count < min || high > max) return { status: 'not_evaluable', summary: join(`at least ${held}; the total cannot be told (allowed ${range})`, notes) };
  return { status: 'pass', summary: join(`${held}, within ${range}${count > 0 ? `: ${list}` : ''}`, notes) };
}

/** `alice@contoso.com (active), bg-1@contoso.com (break-glass, active)`, sorted by label. */
function describeHolders(s: System): string {
  return [...s.holders.values()]
    .map((h) => `${h.label} (${[...h.how].sort(byKind).join(', ')})`)
    .sort()
    .join(', ');
}

/** Class first, then active before eligible. */
function byKind(a: string, b: string): number {
  const rank = (x: string) => (x === 'active' ? 1 : x === 'eligible' ? 2 : 0);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

function describeAll(systems: readonly System[], rows: readonly ResultBreakdown[], min: number, max: number): string {
  const outside = rows.filter((r) => r.status === 'fail');
  const unknown = rows.filter((r) => r.status === 'not_evaluable');
  const counts = (list: readonly ResultBreakdown[]) => list.map((r) => `${systems.find((s) => s.key === r.scope)!.label} ${r.measured ?? '?'}`).join(', ');
  const head =
    outside.length > 0
      ? `${outside.length} of ${plural(systems.length, 'system')} outside ${min}–${max} top-level admins: ${counts(outside)}`
      : unknown.length === 0
        ? `every system has ${min}–${max} top-level admins: ${counts(rows)}`
        : `${rows.length - unknown.length} of ${plural(systems.length, 'system')} within ${min}–${max} top-level admins`;
  const eligible = systems.reduce((n, s) => n + [...s.holders.values()].filter((h) => h.eligibleOnly).length, 0);
  return join(
    head,
    unknown.length > 0 ? `not countable: ${unknown.map((r) => systems.find((s) => s.key === r.scope)!.label).join(', ')}` : '',
    eligible > 0 ? `${plural(eligible, 'eligible-only holder')} counted (can be activated at any time)` : '',
  );
}
