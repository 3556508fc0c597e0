import type { Connector } from '../../src/core/connector.ts';
import { lazySession } from './bamboo-call.ts';
import { checkBambooHr } from './check.ts';
import { bambooHrConfigSchema, type BambooHrConfig } from './config-schema.ts';
import { BAMBOO_PERMISSIONS } from './permissions.ts';
import { employeesStream } from './streams/employees.ts';

/** BambooHR through its REST API with an API key (HTTP Basic). One read-only custom report per run. */
export const connector: Connector<BambooHrConfig> = {
  id: 'bamboohr',
  title: 'BambooHR',
  configSchema: bambooHrConfigSchema,
  permissions: BAMBOO_PERMISSIONS,
  check: checkBambooHr,
  streams(ctx) {
    return [employeesStream(lazySession(ctx))];
  },
};
