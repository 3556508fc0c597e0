import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { SecretRegistry } from './secrets.ts';
import { createLogger } from './logger.ts';

function capture(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { stream, lines };
}

describe('secrets', () => {
  it('names the missing environment variable and the key it was for', async () => {
    const r = new SecretRegistry({});
    await expect(r.resolve({ env: 'NOPE' }, 'organisations[0].connectors[0].auth.secret')).rejects.toThrow(
      'organisations[0].connectors[0].auth.secret: environment variable NOPE is not set; export it before running',
    );
  });

  it('scrubs a resolved secret from log lines, also where JSON escaped it', async () => {
    const secret = 'abc"def\\ghi-jkl';
    const r = new SecretRegistry({ S: secret });
    await r.resolve({ env: 'S' }, 'test');
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', secrets: r, destination: stream });
    log.info({ detail: `token was ${secret}` }, 'something failed');
    log.info({ err: new Error(`bad ${secret}`) }, 'error');
    expect(lines.join('')).not.toContain(JSON.stringify(secret).slice(1, -1));
    expect(lines.join('')).not.toContain(secret);
    expect(lines.join('')).toContain('[REDACTED]');
  });

  it('registers the private parts of a JSON key so they are scrubbed on their own', async () => {
    const key = JSON.stringify({ type: 'service_account', private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----\n', private_key_id: 'f00dfeedbeefcafe1234' });
    const r = new SecretRegistry({ K: key });
    await r.resolve({ env: 'K' }, 'google key');
    expect(r.scrub('key id f00dfeedbeefcafe1234 rejected')).toBe('key id [REDACTED] rejected');
  });

  it('redacts authorization headers nested in HTTP client errors', () => {
    const { stream, lines } = capture();
    const log = createLogger({ level: 'info', destination: stream });
    log.warn({ err: { config: { headers: { Authorization: 'Bearer eyJhbGciOi.secret.token' } } } }, 'request failed');
    expect(lines.join('')).not.toContain('eyJhbGciOi.secret.token');
  });
});
