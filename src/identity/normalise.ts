/**
 * How e-mail addresses, UPNs and employee ids are compared when accounts are linked to people.
 * Two values that normalise to the same string are treated as the same mailbox or the same id;
 * everything here is deliberately conservative, because a wrong link hides a leaver's account.
 *
 * E-mail / UPN, in this order:
 * 1. Unicode NFC, then trim and lower-case. Mailbox names are case-insensitive in every system we
 *    read (Exchange Online, Gmail, the AWS consoles), and NFC makes a precomposed `é` equal to `e`
 *    plus a combining accent, which differ byte-wise when systems were fed by different tools.
 * 2. Entra guest UPNs (`jane_partner.com#EXT#@contoso.onmicrosoft.com`) become the guest's own
 *    address (`jane@partner.com`): Entra replaced the `@` with the *last* `_` (a domain never
 *    contains `_`, so the local part may: `j_doe_partner.com#EXT#` is `j_doe@partner.com`).
 * 3. Plus-addressing is removed (`ann+aws@contoso.com` → `ann@contoso.com`): Exchange Online and
 *    Gmail deliver a tagged address to the base mailbox, and people sign up to AWS or SaaS tools
 *    with tagged addresses to tell mail apart. A mailbox literally named `a+b` next to a different
 *    mailbox `a` would be merged; that is rare enough, and `identity.mappings` overrides it.
 * 4. `domainAliases` (config) replace the domain exactly (no sub-domains, one step, no chains), so
 *    `ann@contoso.onmicrosoft.com` and `ann@contoso.com` are one mailbox when configured. Aliases
 *    are never guessed: an unconfigured `onmicrosoft.com` domain stays different.
 * Anything that is not `local@domain.tld` (no `@`, spaces, an empty part, a domain without a dot)
 * is not an address: `null`, so an AWS user name like `ann` never matches `ann@contoso.com`.
 *
 * Employee ids: NFC, trimmed, upper-cased (`e1042` and `E1042 ` are one id); leading zeros are
 * kept (`01042` and `1042` may be different numbering schemes, and guessing would merge people).
 */

export type DomainAliases = Readonly<Record<string, string>>;

const GUEST_UPN = /^(.+)#ext#@[^@]+$/;
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

/** The comparable form of an e-mail address or UPN, or `null` when it is not an address. */
export function normaliseEmail(raw: string | null | undefined, aliases: DomainAliases = {}): string | null {
  return createEmailNormaliser(aliases)(raw);
}

/** Compiles the aliases once, for normalising every address of a snapshot. */
export function createEmailNormaliser(aliases: DomainAliases = {}): (raw: string | null | undefined) => string | null {
  // Config keys and values may be written in any case; compare them lower-cased.
  const byDomain = new Map(Object.entries(aliases).map(([from, to]) => [clean(from), clean(to)]));
  return (raw) => {
    if (raw === null || raw === undefined) return null;
    let value = clean(raw);
    const guest = GUEST_UPN.exec(value);
    if (guest) {
      const local = guest[1]!;
      const sep = local.lastIndexOf('_');
      if (sep <= 0 || sep === local.length - 1) return null;
      value = `${local.slice(0, sep)}@${local.slice(sep + 1)}`;
    }
    if (!ADDRESS.test(value)) return null;
    const at = value.lastIndexOf('@');
    let local = value.slice(0, at);
    const domain = value.slice(at + 1);
    const plus = local.indexOf('+');
    // A local part that *starts* with `+` has no base mailbox to fold into; keep it as it is.
    if (plus > 0) local = local.slice(0, plus);
    return `${local}@${byDomain.get(domain) ?? domain}`;
  };
}

/** Whether a username is an address at all (so it may be used to link, like an e-mail field). */
export function looksLikeEmail(raw: string | null | undefined): boolean {
  return normaliseEmail(raw) !== null;
}

/** The comparable form of an employee id, or `null` when empty. */
export function normaliseEmployeeId(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const value = raw.normalize('NFC').trim().toUpperCase();
  return value === '' ? null : value;
}

function clean(value: string): string {
  return value.normalize('NFC').trim().toLowerCase();
}
