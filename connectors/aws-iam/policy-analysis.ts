/**
 * Does a policy make its holder an administrator? Admin here means what the controls ask about:
 * the AWS-managed `AdministratorAccess` or `IAMFullAccess` (full IAM control is a path to every
 * other permission), or any policy statement that allows `*` or `iam:*` on `Resource: "*"`.
 *
 * Fail-closed: when in doubt, a statement counts as admin, because a missed administrator is one
 * whose MFA nobody checks. So conditions, permission boundaries, SCPs and Deny statements that may
 * narrow a grant are not evaluated (the reason says "with a condition"), and these count as admin:
 * - `*`, `*:*`, `iam:*` or any `iam:` wildcard on any resource (IAM control on any resource can be
 *   a path to every other permission);
 * - IAM actions that grant permissions (`iam:Attach*Policy`, `iam:Put*Policy`, `iam:Create*Version`,
 *   `iam:PassRole`, `iam:CreateAccessKey`, `iam:UpdateAssumeRolePolicy`…): privilege escalation;
 * - `NotAction` or `NotResource` in an Allow: "everything except…" is almost everything.
 */

export const ADMIN_MANAGED_POLICIES: ReadonlySet<string> = new Set(['AdministratorAccess', 'IAMFullAccess']);

/** `arn:<partition>:iam::aws:policy/<path/>Name` → Name, or null for a customer-managed policy. */
export function awsManagedPolicyName(arn: string): string | null {
  const m = /^arn:aws(?:-us-gov|-cn)?:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? m[1]! : null;
}

export type PolicyVerdict = { ok: true; admin: boolean; why: string } | { ok: false; why: string };

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
  Sid?: unknown;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Judges a policy document as IAM returns it: URL-encoded JSON (RFC 3986). `Statement` may be one
 * object or an array, `Action`/`Resource` a string or an array. Action names are case-insensitive.
 */
export function judgePolicyDocument(encoded: string): PolicyVerdict {
  let doc: unknown;
  try {
    doc = JSON.parse(decodeURIComponent(encoded));
  } catch (e) {
    return { ok: false, why: `the policy document is not URL-encoded JSON (${(e as Error).message.slice(0, 80)})` };
  }
  if (doc === null || typeof doc !== 'object' || !('Statement' in doc)) return { ok: false, why: 'the policy document has no Statement' };
  const statements = list((doc as { Statement: unknown }).Statement);
  for (const s of statements) {
    if (s === null || typeof s !== 'object') return { ok: false, why: 'a Statement is not an object' };
    const st = s as Statement;
    if (st.Effect !== 'Allow') continue;
    const cond = st.Condition !== undefined ? ' (with a condition, not evaluated)' : '';
    const sid = typeof st.Sid === 'string' ? ` (statement ${st.Sid})` : '';
    const reason = adminReason(st);
    if (reason !== null) return { ok: true, admin: true, why: `${reason}${sid}${cond}` };
  }
  return { ok: true, admin: false, why: 'grants no wildcard, IAM-wide or privilege-escalating action' };
}

/** IAM actions that let their holder grant themselves more: any of them is a path to admin. */
const ESCALATING_ACTIONS = [
  'iam:attachuserpolicy', 'iam:attachgrouppolicy', 'iam:attachrolepolicy',
  'iam:putuserpolicy', 'iam:putgrouppolicy', 'iam:putrolepolicy',
  'iam:createpolicyversion', 'iam:setdefaultpolicyversion',
  'iam:createaccesskey', 'iam:createloginprofile', 'iam:updateloginprofile',
  'iam:updateassumerolepolicy', 'iam:addusertogroup',
];

/** An IAM action pattern (`*` and `?` wildcards, case-insensitive) as a regular expression. */
function actionPattern(a: string): RegExp {
  return new RegExp(`^${a.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** A resource pattern that can cover IAM itself (where `*` on actions means escalation). */
const coversIam = (r: unknown): boolean => typeof r === 'string' && (r === '*' || /^arn:aws[a-z-]*:(\*|iam):/i.test(r));

function adminReason(st: Statement): string | null {
  if (st.NotAction !== undefined) return 'allows every action except those listed (NotAction)';
  const actions = list(st.Action).filter((a): a is string => typeof a === 'string').map((a) => a.toLowerCase());
  const resources = list(st.Resource);
  const onIam = resources.some(coversIam) || st.NotResource !== undefined;
  if (!onIam) return null;
  const onAll = resources.includes('*') || st.NotResource !== undefined;
  const everything = actions.find((a) => a === '*' || a === '*:*');
  if (everything !== undefined) return onAll ? 'allows Action "*" on Resource "*"' : 'allows Action "*" on IAM resources';
  const iamWide = actions.find((a) => a === 'iam:*');
  if (iamWide !== undefined) return `allows Action "iam:*"${onAll ? ' on Resource "*"' : ' on IAM resources'}`;
  const escalating = actions.find((a) => ESCALATING_ACTIONS.some((e) => actionPattern(a).test(e)));
  if (escalating !== undefined) return `allows "${escalating}", which can grant further permissions`;
  return null;
}
