import type { PermissionSpec } from '../../src/core/connector.ts';

/** The name `check()` reports under; also the README's row. */
export const FILE_READ = 'Read permission on the roster file';

/**
 * A file connector needs no API credentials, only the operating system's read permission. The
 * contract has no `file` kind of permission; `scope` is the closest ("what the reader may see").
 */
export const HR_CSV_PERMISSIONS: readonly PermissionSpec[] = [
  {
    name: FILE_READ,
    kind: 'scope',
    required: true,
    why: 'The user Evidentia runs as must be able to open the exported roster CSV (config `file`): it lists who works here, who left and when.',
    streams: ['roster'],
  },
];
