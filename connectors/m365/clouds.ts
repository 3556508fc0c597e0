/** Microsoft's national clouds: each has its own Graph and sign-in hosts (tokens from one never work on another). */
export const CLOUDS = {
  global: { graph: 'https://graph.microsoft.com', authority: 'https://login.microsoftonline.com' },
  usgov: { graph: 'https://graph.microsoft.us', authority: 'https://login.microsoftonline.us' },
  'usgov-dod': { graph: 'https://dod-graph.microsoft.us', authority: 'https://login.microsoftonline.us' },
  china: { graph: 'https://microsoftgraph.chinacloudapi.cn', authority: 'https://login.chinacloudapi.cn' },
} as const;
export type CloudName = keyof typeof CLOUDS;

/** Tenants owned by Microsoft: apps they publish are first-party, not third-party or shadow AI. */
export const MICROSOFT_TENANT_IDS = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
  'cdc5aeea-15c5-4db6-b079-fcadd2505dc2',
]);
