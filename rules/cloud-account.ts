import type { Account } from '../src/core/model.ts';

/**
 * Naming cloud accounts in results. One AWS connector instance may cover several AWS accounts
 * (assumed roles, organisation discovery), so IAM usernames and root rows repeat inside one
 * instance; the connector puts the 12-digit account id in `attributes.awsAccountId` to tell them
 * apart.
 */

/** The AWS account id an account belongs to, when the connector reports it. */
export function awsAccountIdOf(account: Account): string | null {
  const id = account.attributes['awsAccountId'];
  if (typeof id === 'number') return String(id);
  return typeof id === 'string' && id !== '' ? id : null;
}

/** `AWS account 111122223333 (root user)`, or the account key when the id is not reported. */
export function rootLabel(account: Account): string {
  const id = awsAccountIdOf(account);
  return id === null ? account.key : `AWS account ${id} (root user)`;
}

/** Root users by `rootLabel`; others by username, with their AWS account when reported. */
export function ownerLabel(account: Account): string {
  if (account.vendorType === 'root') return rootLabel(account);
  const id = awsAccountIdOf(account);
  return id === null ? account.username : `${account.username} (AWS account ${id})`;
}
