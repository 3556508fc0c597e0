import { benchSize, type SizeFigures } from './bench-size.ts';

/**
 * One size in a process of its own (forked by run.ts with `--expose-gc`), so each size's memory
 * figures start from a fresh process instead of whatever the previous size left behind.
 *
 * Protocol: argv[2] is JSON `WorkerInput`; the result is sent once over IPC as `WorkerMessage`.
 * Interrupts arrive as an `{ type: 'abort' }` message from the parent, not as SIGINT, so one
 * Ctrl-C (delivered to the whole process group) is handled once, by the parent.
 */

export interface WorkerInput {
  users: number;
  latencyMs: number;
  realQuotas: boolean;
  /** Folder for the evidence database, made and removed by the parent. */
  dir: string;
}

export type WorkerMessage = { type: 'figures'; figures: SizeFigures } | { type: 'error'; message: string };

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as WorkerInput;
  const controller = new AbortController();
  process.on('SIGINT', () => {}); // the parent decides
  process.on('SIGTERM', () => controller.abort());
  process.on('message', (m: unknown) => {
    if ((m as { type?: unknown })?.type === 'abort') controller.abort();
  });
  const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
  let message: WorkerMessage;
  try {
    message = { type: 'figures', figures: await benchSize({ ...input, signal: controller.signal, progress }) };
  } catch (e) {
    message = { type: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  await new Promise<void>((resolve) => process.send!(message, () => resolve()));
  // Exit now: a handle left open by a library must not hold the benchmark hostage.
  process.exit(message.type === 'figures' ? 0 : 1);
}

if (!process.send) {
  process.stderr.write('bench/size-worker.ts runs only as a child of bench/run.ts (npm run bench)\n');
  process.exitCode = 2;
} else {
  void main();
}
