import { readFileSync, readlinkSync } from 'node:fs';

/**
 * Which process holds a run lock or began a run, and whether another process can probe it.
 *
 * A pid means something only inside one PID namespace of one boot. Hostnames do not tell that:
 * Docker containers started with `--network=host` share the host's hostname, yet each has its own
 * PID namespace where the main process is usually pid 1. Probing "pid 1" from container B says
 * nothing about container A's pid 1. So pids are probed only when host, PID namespace and boot id
 * all match; otherwise only time-based rules (a lease, a run's age) count.
 */
export interface ProcessIdentity {
  pid: number;
  hostname: string;
  /**
   * When that process started (ms since epoch). Containers restart their main process with the
   * same pid (often 1), so pid + host alone would make a crashed daemon's run look alive forever.
   */
  processStartedAt: number;
  /** The PID namespace, as `readlink /proc/self/ns/pid` gives it (`pid:[4026531836]`); null where unknown (not Linux). */
  pidNamespace: string | null;
  /** /proc/sys/kernel/random/boot_id: pids from an earlier boot mean nothing now; null where unknown. */
  bootId: string | null;
}

/**
 * Whether `other`'s pid can be probed from `self`: same host, same PID namespace, same boot. An
 * unknown namespace or boot id (non-Linux, a row from before they were recorded) never matches:
 * wrongly probing would take over a live holder, while not probing only waits for a lease.
 */
export function sharesProcessTable(self: ProcessIdentity, other: ProcessIdentity): boolean {
  // typeof, not !== null: an identity read from an older row or caller may lack the fields entirely.
  return (
    other.hostname === self.hostname &&
    typeof self.pidNamespace === 'string' &&
    other.pidNamespace === self.pidNamespace &&
    typeof self.bootId === 'string' &&
    other.bootId === self.bootId
  );
}

/**
 * How far apart a process's recorded start (its `performance.timeOrigin`) and the kernel's start
 * time of its pid may be and still be the same process: node takes its time origin a few ms after
 * exec, and /proc/stat's boot time is in whole seconds and moves when the clock is stepped. A pid
 * reused by another process within this window of the first one's start is not a real case.
 */
const SAME_START_TOLERANCE_MS = 5000;

/**
 * Whether a live pid is still the recorded process: true or false when the probe knows the pid's
 * start time, null when it cannot tell.
 */
export function isSameProcess(recordedStartedAt: number, probedStartedAt: number | null): boolean | null {
  if (probedStartedAt === null) return null;
  return Math.abs(probedStartedAt - recordedStartedAt) <= SAME_START_TOLERANCE_MS;
}

/** The PID namespace of this process, or null where there is none to read (not Linux, /proc hidden). */
export function readPidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

/** This boot's id, or null where unknown. */
export function readBootId(): string | null {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return id === '' ? null : id;
  } catch {
    return null;
  }
}

/** Linux's clock ticks per second for /proc/<pid>/stat start times; 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * When the process with this pid (in our own PID namespace) started, in ms since epoch, from
 * /proc: boot time plus its start time in ticks. Null when it cannot be read (gone, not Linux).
 */
export function readProcessStartedAt(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]); // field 22, starttime
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    if (!btime || !Number.isFinite(ticks)) return null;
    return Number(btime[1]) * 1000 + Math.round((ticks * 1000) / CLOCK_TICKS_PER_SECOND);
  } catch {
    return null;
  }
}
