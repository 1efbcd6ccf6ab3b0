// Reconnect delays: exponential, capped, with jitter so many windows re-connecting after an API server restart
// do not arrive in step.

export class Backoff {
  private attempt = 0;

  constructor(readonly initialMs = 250, readonly maxMs = 30_000, private readonly random: () => number = Math.random) {}

  /** The next delay: initial * 2^attempt, capped at max, drawn from its upper half. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  reset(): void {
    this.attempt = 0;
  }
}
