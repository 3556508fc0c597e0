import { describe, expect, it } from 'vitest';
import { isAbandoned, probeProcess } from './abandoned-runs.ts';
import type { AbandonedPolicy, ProcessIdentity } from './abandoned-runs.ts';

const NS = 'pid:[4026531836]';
const BOOT = 'b0000000-0000-4000-8000-000000000001';
const self: ProcessIdentity = { pid: 100, hostname: 'host-a', processStartedAt: 5000, pidNamespace: NS, bootId: BOOT };
const policy: AbandonedPolicy = {
  self,
  // pid 200 is alive and started when its run says; pid 400 is alive but is another process now (pid reused).
  isProcessAlive: (pid) => pid === 200 || pid === 400 || pid === 1,
  processStartedAtOf: (pid) => (pid === 200 ? 1 : pid === 400 ? 9_000_000 : null),
  now: new Date('2026-11-20T12:00:00Z'),
  foreignHostStaleMs: 24 * 3600_000,
};
const here = { hostname: 'host-a', pidNamespace: NS, bootId: BOOT };
const recent = '2026-11-20T11:00:00Z';
const old = '2026-11-19T11:59:59Z';

describe('isAbandoned', () => {
  const cases: Array<[string, ProcessIdentity & { startedAt: string }, boolean]> = [
    ['live process on this host', { ...here, pid: 200, processStartedAt: 1, startedAt: recent }, false],
    ['dead process on this host', { ...here, pid: 300, processStartedAt: 1, startedAt: recent }, true],
    ['a live pid that now belongs to another process', { ...here, pid: 400, processStartedAt: 1, startedAt: recent }, true],
    ['this very process', { ...here, pid: 100, processStartedAt: 5000, startedAt: recent }, false],
    ['an earlier process with our pid', { ...here, pid: 100, processStartedAt: 4000, startedAt: recent }, true],
    ['another host, recent', { ...here, hostname: 'host-b', pid: 300, processStartedAt: 1, startedAt: '2026-11-20T00:00:00Z' }, false],
    ['another host, older than the stale limit', { ...here, hostname: 'host-b', pid: 300, processStartedAt: 1, startedAt: old }, true],
    ['another host, unreadable start', { ...here, hostname: 'host-b', pid: 300, processStartedAt: 1, startedAt: 'yesterday' }, true],
    // docker --network=host: same hostname, own PID namespace, both pid 1 (or our pid) — never probed.
    ['a container sharing the hostname, our pid, recent', { ...here, pidNamespace: 'pid:[4026532999]', pid: 100, processStartedAt: 1, startedAt: recent }, false],
    ['a container sharing the hostname, a pid dead here, recent', { ...here, pidNamespace: 'pid:[4026532999]', pid: 300, processStartedAt: 1, startedAt: recent }, false],
    ['a container sharing the hostname, older than the stale limit', { ...here, pidNamespace: 'pid:[4026532999]', pid: 300, processStartedAt: 1, startedAt: old }, true],
    ['an earlier boot of this host', { ...here, bootId: 'b0000000-0000-4000-8000-000000000002', pid: 300, processStartedAt: 1, startedAt: recent }, false],
    ['a run recorded without a namespace (older version, not Linux)', { ...here, pidNamespace: null, bootId: null, pid: 300, processStartedAt: 1, startedAt: recent }, false],
  ];
  it.each(cases)('%s', (_name, owner, expected) => {
    expect(isAbandoned(owner, policy)).toBe(expected);
  });

  it('never probes when this process cannot tell its own namespace (not Linux)', () => {
    const blind = { ...policy, self: { ...self, pidNamespace: null, bootId: null } };
    expect(isAbandoned({ ...here, pidNamespace: null, bootId: null, pid: 300, processStartedAt: 1, startedAt: recent }, blind)).toBe(false);
    expect(isAbandoned({ ...here, pidNamespace: null, bootId: null, pid: 300, processStartedAt: 1, startedAt: old }, blind)).toBe(true);
  });
});

describe('probeProcess', () => {
  it('sees this process alive and a pid beyond the kernel limit gone', () => {
    expect(probeProcess(process.pid)).toBe(true);
    expect(probeProcess(2 ** 30)).toBe(false);
  });
});
