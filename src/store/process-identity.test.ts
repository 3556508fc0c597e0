import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { isSameProcess, readBootId, readPidNamespace, readProcessStartedAt, sharesProcessTable } from './process-identity.ts';
import type { ProcessIdentity } from './process-identity.ts';

const a: ProcessIdentity = { pid: 1, hostname: 'host-a', processStartedAt: 1000, pidNamespace: 'pid:[1]', bootId: 'boot-1' };

describe('sharesProcessTable', () => {
  it('is true only for the same host, PID namespace and boot, all known', () => {
    expect(sharesProcessTable(a, { ...a, pid: 2 })).toBe(true);
    expect(sharesProcessTable(a, { ...a, hostname: 'host-b' })).toBe(false);
    expect(sharesProcessTable(a, { ...a, pidNamespace: 'pid:[2]' })).toBe(false);
    expect(sharesProcessTable(a, { ...a, bootId: 'boot-2' })).toBe(false);
    expect(sharesProcessTable(a, { ...a, pidNamespace: null })).toBe(false);
    const blind = { ...a, pidNamespace: null, bootId: null };
    expect(sharesProcessTable(blind, blind)).toBe(false);
    // An identity from a caller or row that never had the fields is unknown too, not "equal".
    const bare = { pid: 1, hostname: 'host-a', processStartedAt: 1000 } as ProcessIdentity;
    expect(sharesProcessTable(bare, { ...bare, pid: 2 })).toBe(false);
  });
});

describe('isSameProcess', () => {
  it('tells a reused pid from the recorded process by its start, and says when it cannot tell', () => {
    expect(isSameProcess(1_000_000, 1_000_040)).toBe(true);
    expect(isSameProcess(1_000_000, 1_060_000)).toBe(false);
    expect(isSameProcess(1_000_000, null)).toBeNull();
  });
});

describe.runIf(process.platform === 'linux')('reading this process from /proc', () => {
  it('reads the namespace and boot id, and a start time that matches this process and no dead pid', () => {
    expect(readPidNamespace()).toMatch(/^pid:\[\d+\]$/);
    expect(readBootId()).toMatch(/^[0-9a-f-]{36}$/);
    expect(isSameProcess(Math.round(performance.timeOrigin), readProcessStartedAt(process.pid))).toBe(true);
    expect(readProcessStartedAt(2 ** 30)).toBeNull();
  });
});
