import { pino, type Logger, type DestinationStream } from 'pino';
import type { SecretRegistry } from './secrets.ts';

/**
 * Logs go to stderr as JSON (stdout is kept for results and `--json` output). Two layers keep
 * secrets out: pino's path redaction for fields that hold credentials by name, and a final scrub
 * of every secret value the run resolved, wherever it appears (an error message quoting a URL, say).
 */
const REDACT_PATHS = [
  'secret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'clientSecret',
  'client_secret',
  'authorization',
  'headers.authorization',
  'headers.Authorization',
  '*.secret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.clientSecret',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  // Errors from HTTP clients (gaxios, undici, the AWS SDK) carry the request they made.
  '*.config.headers.authorization',
  '*.config.headers.Authorization',
  '*.request.headers.authorization',
  '*.request.headers.Authorization',
  '*.*.headers.authorization',
  '*.*.headers.Authorization',
  '*.*.headers["x-amz-security-token"]',
  '*.headers["x-amz-security-token"]',
  '*.config.data',
  '*.config.body',
];

export interface LoggerOptions {
  level: string;
  secrets?: SecretRegistry;
  destination?: DestinationStream;
}

export function createLogger(opts: LoggerOptions): Logger {
  const secrets = opts.secrets;
  return pino(
    {
      level: opts.level,
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      hooks: secrets ? { streamWrite: (line: string) => secrets.scrub(line) } : {},
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
