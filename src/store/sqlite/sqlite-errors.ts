import { AgentError } from '../../core/errors.ts';

/** Where the store is and how long it waits for a lock, for messages a person can act on. */
export interface ErrorContext {
  where: string;
  busyTimeoutMs: number;
}

/**
 * Turns a better-sqlite3 error into an AgentError with a stable code. AgentErrors pass through
 * untouched. `action` completes the sentence "while trying to …".
 */
export function toAgentError(e: unknown, action: string, ctx: ErrorContext): AgentError {
  if (e instanceof AgentError) return e;
  const code = sqliteCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new AgentError(
      'store_locked',
      `The evidence database ${ctx.where} stayed locked by another process for more than ${ctx.busyTimeoutMs} ms ` +
        `while trying to ${action}. Another Evidentia (the daemon, a run or a long \`evidentia verify\`) is writing to it; ` +
        'wait for it to finish and try again.',
      { cause: e },
    );
  }
  const hint = HINTS[code.replace(/_[A-Z]+$/, '')] ?? HINTS[code];
  return new AgentError(
    'store_failed',
    `Could not ${action} in the evidence database ${ctx.where}: ${detail}${hint ? `. ${hint}` : ''}`,
    { cause: e },
  );
}

const HINTS: Record<string, string> = {
  SQLITE_NOTADB: 'The file is not an SQLite database; check the `store.path` setting',
  SQLITE_CORRUPT: 'The file is damaged; restore it from a backup and run `evidentia verify`',
  SQLITE_READONLY: 'The file or its folder is read-only for this user; check ownership and permissions',
  SQLITE_CANTOPEN: 'Check that the folder exists and this user may write to it',
  SQLITE_FULL: 'The disk is full; free space and run again',
  SQLITE_IOERR: 'The disk reported an I/O error; check the disk and run `evidentia verify`',
};

function sqliteCode(e: unknown): string {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return '';
}

/** True for a UNIQUE / PRIMARY KEY violation, which callers turn into a "recorded twice" message. */
export function isUniqueViolation(e: unknown): boolean {
  const code = sqliteCode(e);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
