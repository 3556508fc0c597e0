import { describe, expect, it } from 'vitest';
import { isAbandoned, probeProcess } from './abandoned-runs.ts';
import type { AbandonedPolicy, ProcessIdentity } from './abandoned-runs.ts';

const self: ProcessIdentity = { pid: 100, hostname: 'host-a', processStartedAt: 5000 };
const policy: AbandonedPolicy = {
  self,
  isProcessAlive: (pid) => pid === 200,
  now: new Date('2026-11-20T12:00:00Z'),
  foreignHostStaleMs: 24 * 3600_000,
};

describe('isAbandoned', () => {
  const cases: Array<[string, ProcessIdentity & { startedAt: string }, boolean]> = [
    ['live process on this host', { pid: 200, hostname: 'host-a', processStartedAt: 1, startedAt: '2026-11-20T11:00:00Z' }, false],
    ['dead process on this host', { pid: 300, hostname: 'host-a', processStartedAt: 1, startedAt: '2026-11-20T11:00:00Z' }, true],
    ['this very process', { pid: 100, hostname: 'host-a', processStartedAt: 5000, startedAt: '2026-11-20T11:00:00Z' }, false],
    ['an earlier process with our pid', { pid: 100, hostname: 'host-a', processStartedAt: 4000, startedAt: '2026-11-20T11:00:00Z' }, true],
    ['another host, recent', { pid: 300, hostname: 'host-b', processStartedAt: 1, startedAt: '2026-11-20T00:00:00Z' }, false],
    ['another host, older than the stale limit', { pid: 300, hostname: 'host-b', processStartedAt: 1, startedAt: '2026-11-19T11:59:59Z' }, true],
    ['another host, unreadable start', { pid: 300, hostname: 'host-b', processStartedAt: 1, startedAt: 'yesterday' }, true],
  ];
  it.each(cases)('%s', (_name, owner, expected) => {
    expect(isAbandoned(owner, policy)).toBe(expected);
  });
});

describe('probeProcess', () => {
  it('sees this process alive and a pid beyond the kernel limit gone', () => {
    expect(probeProcess(process.pid)).toBe(true);
    expect(probeProcess(2 ** 30)).toBe(false);
  });
});
