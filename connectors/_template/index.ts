import { z } from 'zod';
import type { Connector } from '../../src/core/connector.ts';
import { secretRef } from '../../src/core/secrets.ts';

/**
 * A minimal connector to copy. It is skipped by the registry (the folder starts with `_`) and
 * kept compiling by `npm run typecheck`, so the template never rots.
 */
const configSchema = z
  .object({
    baseUrl: z.url(),
    token: secretRef,
  })
  .strict();
type TemplateConfig = z.infer<typeof configSchema>;

export const connector: Connector<TemplateConfig> = {
  id: 'template',
  title: 'Template (copy me)',
  configSchema,
  permissions: [{ name: 'users:read', kind: 'scope', required: true, why: 'Lists the accounts.', streams: ['users'] }],
  async check() {
    return [{ name: 'users:read', status: 'not_checked', detail: 'the template checks nothing' }];
  },
  streams() {
    return [
      {
        id: 'users',
        entity: 'account',
        title: 'Users',
        // eslint-disable-next-line require-yield
        async *read() {
          return;
        },
      },
    ];
  },
};
