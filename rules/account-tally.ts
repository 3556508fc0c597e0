import type { Account } from '../src/core/model.ts';
import type { ResultSubject } from '../src/core/rule.ts';
import type { AccountClass, AccountClassification, SnapshotView } from '../src/evaluate/snapshot-view.ts';
import { ownerLabel } from './cloud-account.ts';

/** What every per-system tally of human accounts holds; rules add their own counts. */
export interface InstanceTally {
  instance: string;
  /** Accounts left out of the measure, per class. */
  excluded: Map<AccountClass, number>;
}

/** How a subject is named in results: the account key, a label a person recognises, its system. */
export type SubjectRef = Pick<ResultSubject, 'ref' | 'label' | 'instance'>;

/**
 * The walk that rules measuring human accounts share (mfa-coverage, orphaned-accounts): every
 * system that collects accounts gets a tally, so one without a human account still shows in the
 * breakdown; an account that is not human is counted per class and listed as `excluded` with
 * `excludedWhy`; each human account goes to `onHuman` with its system's tally and the subject
 * fields to report it by (it pushes its own subjects).
 */
export function tallyHumanAccounts<T extends InstanceTally>(
  view: SnapshotView,
  opts: {
    create: (instance: string) => T;
    excludedWhy: (cls: AccountClassification) => string;
    onHuman: (account: Account, tally: T, subject: SubjectRef, subjects: ResultSubject[]) => void;
  },
): { tallies: Map<string, T>; subjects: ResultSubject[] } {
  const tallies = new Map<string, T>();
  const tally = (instance: string): T => {
    let t = tallies.get(instance);
    if (!t) tallies.set(instance, (t = opts.create(instance)));
    return t;
  };
  for (const o of view.outcomes) if (o.entity === 'account') tally(o.instance);

  const subjects: ResultSubject[] = [];
  for (const account of view.entities('account')) {
    const t = tally(account.source.instance);
    const subject: SubjectRef = { ref: account.key, label: ownerLabel(account), instance: t.instance };
    const cls = view.accountClass(account);
    if (cls.class !== 'human') {
      t.excluded.set(cls.class, (t.excluded.get(cls.class) ?? 0) + 1);
      subjects.push({ ...subject, status: 'excluded', why: opts.excludedWhy(cls) });
      continue;
    }
    opts.onHuman(account, t, subject, subjects);
  }
  return { tallies, subjects };
}
