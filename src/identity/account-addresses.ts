import type { Account } from '../core/model.ts';

/**
 * The addresses an account can be linked by, each with the vendor field it came from, so a link's
 * `why` can say "same e-mail ann@contoso.com (email tag)" and a reviewer can find the value.
 * The `email` field comes first (it is the mailbox; a UPN is a sign-in name that may differ), then
 * the username when it is an address (Entra UPN, Google primary e-mail, Identity Center user name).
 */
export interface AccountAddress {
  address: string;
  field: string;
}

export function addressesOf(account: Account, normalise: (raw: string | null) => string | null): AccountAddress[] {
  const out: AccountAddress[] = [];
  const add = (raw: string | null, field: string): void => {
    const address = normalise(raw);
    if (address !== null && !out.some((a) => a.address === address)) out.push({ address, field });
  };
  add(account.email, emailField(account));
  add(account.username, usernameField(account));
  return out;
}

/** AWS Identity Center users are stored by the aws-iam connector under `identitystore:` keys. */
function isIdentityCenter(account: Account): boolean {
  return account.source.connector === 'aws-iam' && account.key.startsWith('identitystore:');
}

function emailField(account: Account): string {
  switch (account.source.connector) {
    case 'm365':
      return 'mail';
    case 'google-workspace':
      return 'primary e-mail';
    case 'aws-iam':
      return isIdentityCenter(account) ? 'Identity Center e-mail' : 'IAM user email tag';
    default:
      return 'e-mail';
  }
}

function usernameField(account: Account): string {
  switch (account.source.connector) {
    case 'm365':
      return account.username.toLowerCase().includes('#ext#') ? 'guest UPN' : 'UPN';
    case 'google-workspace':
      return 'primary e-mail';
    case 'aws-iam':
      return isIdentityCenter(account) ? 'Identity Center user name' : 'IAM user name';
    default:
      return 'username';
  }
}
