/**
 * Runs `run` over `items` with at most `width` calls in flight and yields the results in item
 * order, so pages are stored in a stable sequence while the pacer keeps several requests going.
 * When the consumer stops early, nothing new starts; calls already in flight finish unobserved
 * (their failures are caught here, never unhandled). A failed call is thrown in its turn.
 */
export async function* inOrder<T, R>(items: readonly T[], width: number, run: (item: T) => Promise<R>): AsyncGenerator<{ item: T; result: R }, void, undefined> {
  type Settled = { ok: true; value: R } | { ok: false; error: unknown };
  const pending: { item: T; settled: Promise<Settled> }[] = [];
  let next = 0;
  const launch = () => {
    while (pending.length < width && next < items.length) {
      const item = items[next++]!;
      pending.push({ item, settled: run(item).then((value): Settled => ({ ok: true, value }), (error: unknown): Settled => ({ ok: false, error })) });
    }
  };
  launch();
  while (pending.length > 0) {
    const head = pending[0]!;
    const r = await head.settled;
    pending.shift();
    if (!r.ok) throw r.error;
    launch();
    yield { item: head.item, result: r.value };
  }
}
