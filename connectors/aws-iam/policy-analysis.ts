/**
 * Does a policy make its holder an administrator? Admin here means what the controls ask about:
 * the AWS-managed `AdministratorAccess` or `IAMFullAccess` (full IAM control is a path to every
 * other permission), or any policy statement that allows `*` or `iam:*` on `Resource: "*"`.
 *
 * Deliberately fail-closed: conditions, permission boundaries, SCPs and Deny statements that may
 * narrow such a grant are not evaluated (a statement allowing `*` under a condition still counts,
 * and the reason says "with a condition"). `NotAction` statements are not treated as admin.
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
  Resource?: unknown;
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
    const actions = list(st.Action).filter((a): a is string => typeof a === 'string').map((a) => a.toLowerCase());
    const wide = actions.find((a) => a === '*' || a === '*:*' || a === 'iam:*');
    if (wide === undefined || !list(st.Resource).includes('*')) continue;
    const cond = st.Condition !== undefined ? ' (with a condition, not evaluated)' : '';
    const sid = typeof st.Sid === 'string' ? ` (statement ${st.Sid})` : '';
    return { ok: true, admin: true, why: `allows Action "${wide === 'iam:*' ? 'iam:*' : '*'}" on Resource "*"${sid}${cond}` };
  }
  return { ok: true, admin: false, why: 'allows neither "*" nor "iam:*" on Resource "*"' };
}
