import { createApp, createAppGrant } from '../../rules/ai-catalog/app-factories.ts';

/** Test-only: what the metrics tests' stores share: one org on m365 with ChatGPT approved, and two AI apps. */
export const METRICS_CONFIG = (storePath: string) => `
store: { path: ${JSON.stringify(storePath)} }
organisations:
  - id: contoso
    name: Contoso
    connectors:
      - type: m365
        id: m365-main
    approvedApps:
      - app: chatgpt
        owner: it-lead@contoso.com
        purpose: drafting
        dataAllowed: internal
        approvedBy: ciso@contoso.com
        reviewDate: '2030-12-31'
`;

export const chatgpt = createApp({ key: 'sp-chatgpt', displayName: 'ChatGPT', publisher: { name: 'OpenAI', verifiedId: '6263142' }, homepage: 'https://chatgpt.com' });
export const claude = createApp({ key: 'sp-claude', displayName: 'Claude', publisher: { name: 'Anthropic, PBC', verifiedId: '6725518' }, homepage: 'https://claude.ai' });
export const grant = (app: { key: string }, user: string) => createAppGrant({ key: `${app.key}/${user}`, appKey: app.key, principalKey: user, scopes: ['User.Read', 'Mail.Read'] });
