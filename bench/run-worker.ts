import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SizeFigures } from './bench-size.ts';
import type { WorkerInput, WorkerMessage } from './size-worker.ts';

const WORKER = fileURLToPath(new URL('./size-worker.ts', import.meta.url));

export interface RunningSize {
  figures: Promise<SizeFigures>;
  /** Ask the worker to finish its current run as interrupted. */
  abort(): void;
  /** Stop the worker now. */
  kill(): void;
}

/**
 * Forks `size-worker.ts` with this process's loader flags (tsx) plus `--expose-gc` (and
 * `--max-old-space-size` when asked), and resolves
 * with the figures it sends back. Rejects when the worker reports an error or dies without figures.
 */
export function runSizeInWorker(input: WorkerInput, heapLimitMb?: number): RunningSize {
  const child: ChildProcess = fork(WORKER, [JSON.stringify(input)], {
    execArgv: [...process.execArgv, '--expose-gc', ...(heapLimitMb ? [`--max-old-space-size=${heapLimitMb}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const figures = new Promise<SizeFigures>((resolve, reject) => {
    let settled = false;
    child.on('message', (m: WorkerMessage) => {
      if (settled) return;
      settled = true;
      if (m.type === 'figures') resolve(m.figures);
      else reject(new Error(`worker for ${input.users} users failed:\n${m.message}`));
    });
    child.on('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`worker for ${input.users} users exited (${signal ?? `code ${code}`}) without figures`));
      settled = true;
    });
  });
  return {
    figures,
    abort: () => {
      if (child.connected) child.send({ type: 'abort' });
    },
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
