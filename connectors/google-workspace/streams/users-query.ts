import type { GoogleWorkspaceConfig } from '../config-schema.ts';

/** users.list takes `domain` (one domain) or `customer` (all of the customer's domains), not both. */
export function usersScope(config: GoogleWorkspaceConfig): { domain: string } | { customer: string } {
  return config.domain ? { domain: config.domain } : { customer: config.customer };
}

/** Largest page users.list allows. */
export const USERS_PAGE = 500;
