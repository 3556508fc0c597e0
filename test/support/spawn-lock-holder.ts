import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const HOLDER = fileURLToPath(new URL('./hold-run-lock.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

export interface LockHolder {
  child: ChildProcess;
  pid: number;
  /** Releases the lock (closes the child's stdin) and waits for the child to exit. */
  release(): Promise<void>;
}

/** Another real process holding `org`'s run lock in the store at `dbPath` (which must exist), with a lease of `leaseMs` that it never renews. */
export async function spawnLockHolder(dbPath: string, org: string, leaseMs?: number): Promise<LockHolder> {
  const args = [HOLDER, dbPath, org, ...(leaseMs === undefined ? [] : [String(leaseMs)])];
  const child = spawn(process.execPath, ['--import', TSX, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('held')) resolve();
    });
    child.on('exit', () => reject(new Error(`the lock holder exited early: ${err}`)));
  });
  return {
    child,
    pid: child.pid!,
    async release() {
      child.stdin!.end();
      await exited;
    },
  };
}
