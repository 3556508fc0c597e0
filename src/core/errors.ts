/**
 * Every error the agent raises on purpose is an AgentError with a stable `code` (for tests, exit
 * codes and the evidence record) and a message a person can act on. `cause` keeps the original
 * error for debug logs; messages never carry secrets (callers pass redacted detail only).
 */
export type AgentErrorCode =
  | 'config_invalid'
  | 'config_missing'
  | 'secret_missing'
  | 'usage'
  | 'not_found'
  | 'store_failed'
  | 'store_locked'
  | 'run_locked'
  | 'foreign_origin'
  | 'next_link_loop'
  | 'http_failed'
  | 'auth_failed'
  | 'denied'
  | 'unlicensed'
  | 'throttled'
  | 'invalid_response'
  | 'aborted'
  | 'delivery_failed'
  | 'internal';

export class AgentError extends Error {
  readonly code: AgentErrorCode;

  constructor(code: AgentErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentError';
    this.code = code;
  }
}

/** A config file or value is wrong; `path` is the YAML key path (e.g. `organisations[0].connectors[1].tenantId`). */
export class ConfigError extends AgentError {
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    // Keys and values from the file are echoed; a line break or control character in them must not
    // split the one-line error (or forge a second line in a log).
    // A value quoted back (an unknown connector type, a key) is cut, so a 1 MB value cannot make a 1 MB line.
    // A key in the path is file text too: each overlong segment is cut the same way.
    path = escapeControls(path).replace(/[^.[\]]{100,}/g, (segment) => `${segment.slice(0, 80)}…`);
    const line = escapeControls(message).replace(/"([^"]{80})[^"]{20,}"/g, '"$1…"');
    super('config_invalid', path ? `${path}: ${line}` : line, options);
    this.name = 'ConfigError';
    this.path = path;
  }
}

/** The command line was used wrongly. */
export class UsageError extends AgentError {
  constructor(message: string) {
    super('usage', message);
    this.name = 'UsageError';
  }
}

/** Line breaks and control characters as `\uXXXX`: text from a file or database stays one line. */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function isAgentError(e: unknown): e is AgentError {
  return e instanceof AgentError;
}

/** One line for a human, without a stack; unknown errors keep only their message. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
