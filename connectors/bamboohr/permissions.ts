import type { PermissionSpec } from '../../src/core/connector.ts';

/**
 * BambooHR permissions every API request as the user who owns the API key: the key sees exactly
 * the employees and fields that user's access level sees. BambooHR leaves fields the user may not
 * see out of a custom report without an error, so `check()` asks for them and compares.
 */
export const FIELD_ACCESS = 'API key of a user whose access level can view, for all employees (Inactive too): Status, Hire Date, Termination Date, Work Email, Employee #';

export const BAMBOO_PERMISSIONS: readonly PermissionSpec[] = [
  {
    name: FIELD_ACCESS,
    kind: 'api_key',
    required: true,
    why: 'Runs one custom report (POST /v1/reports/custom) listing every employee, former ones included, with status, hire and termination dates to know who left and when; the employee directory would omit everyone who left. A full-admin key works; a custom access level needs view access to those fields and to inactive employees.',
    streams: ['employees'],
  },
];
