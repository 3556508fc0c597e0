import { afterAll } from 'vitest';
import type { ContractTarget } from '../contract/connector-contract.ts';

/**
 * For a connector's `*.contract.test.ts`: turns a started double into a ContractTarget whose
 * `close` closes the double once, and closes whatever the suite left open in `afterAll`. Call it at
 * the top level of the test file (it registers the `afterAll`).
 */
export function doubleTargets(): (double: { close(): Promise<void> }, target: Omit<ContractTarget, 'close'>) => ContractTarget {
  const opened = new Set<ContractTarget>();
  afterAll(async () => Promise.all([...opened].map((t) => t.close())));
  return (double, target) => {
    const t: ContractTarget = {
      ...target,
      close: async () => {
        if (opened.delete(t)) await double.close();
      },
    };
    opened.add(t);
    return t;
  };
}
