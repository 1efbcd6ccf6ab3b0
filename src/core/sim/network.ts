// The simulated network between members (and the operator's client): one-way delay with jitter, random loss,
// partitions as groups, FIFO per link as over etcd's TCP streams. Times are integer microseconds.
import { Prng } from './prng';
import { MAX_SLOTS } from './raft-node';

/** The operator's machine (etcdctl, the ops engine) is one more endpoint on the network. */
export const CLIENT = MAX_SLOTS;
const ENDPOINTS = MAX_SLOTS + 1;

export interface NetworkOptions {
  /** Mean one-way latency between members, ms. */
  latencyMs: number;
  /** Extra uniform random delay in [0, jitterMs), ms. */
  jitterMs: number;
  /** Probability that a message is lost, 0..1. */
  loss: number;
}

export const DEFAULT_NETWORK: NetworkOptions = { latencyMs: 1, jitterMs: 0.5, loss: 0 };

export class Network {
  /** Partition group of each endpoint; endpoints talk only within their group. */
  readonly group = new Int32Array(ENDPOINTS);
  /** Time (µs) the link from a to b was last cut or restored, for etcd's "active since" checks. */
  readonly linkChangedAt = new Float64Array(ENDPOINTS * ENDPOINTS).fill(-Infinity);
  private readonly lastDelivery = new Float64Array(ENDPOINTS * ENDPOINTS);
  /** Extra one-way delay per link, µs (measured round trips above the base latency); null when none is set. */
  private linkExtraUs: Float64Array | null = null;
  private latencyUs: number;
  private jitterUs: number;
  loss: number;

  constructor(options: NetworkOptions, private readonly rng: Prng) {
    this.latencyUs = Math.max(0, Math.round(options.latencyMs * 1000));
    this.jitterUs = Math.max(0, Math.round(options.jitterMs * 1000));
    this.loss = options.loss;
  }

  /** Changes the one-way delay of messages sent from now on. */
  setDelay(latencyMs: number, jitterMs: number): void {
    this.latencyUs = Math.max(0, Math.round(latencyMs * 1000));
    this.jitterUs = Math.max(0, Math.round(jitterMs * 1000));
  }

  get jitterMs(): number {
    return this.jitterUs / 1000;
  }

  get latencyMs(): number {
    return this.latencyUs / 1000;
  }

  connected(a: number, b: number): boolean {
    return this.group[a] === this.group[b];
  }

  /** Delivery time of a message sent now from a to b, or -1 when it is lost on the way. */
  deliveryTime(a: number, b: number, nowUs: number): number {
    if (this.group[a] !== this.group[b]) return -1;
    if (this.loss > 0 && this.rng.next() < this.loss) return -1;
    const link = a * ENDPOINTS + b;
    let t = nowUs + this.latencyUs + (this.jitterUs > 0 ? Math.floor(this.rng.next() * this.jitterUs) : 0);
    if (this.linkExtraUs !== null) t += this.linkExtraUs[link];
    if (t < this.lastDelivery[link]) t = this.lastDelivery[link];
    this.lastDelivery[link] = t;
    return t;
  }

  /** Adds `extraMs` of one-way delay between endpoints a and b, both ways, on top of the base latency. */
  setLinkExtra(a: number, b: number, extraMs: number): void {
    this.linkExtraUs ??= new Float64Array(ENDPOINTS * ENDPOINTS);
    const us = Math.max(0, Math.round(extraMs * 1000));
    this.linkExtraUs[a * ENDPOINTS + b] = us;
    this.linkExtraUs[b * ENDPOINTS + a] = us;
  }

  /** One-way delay between a and b without jitter, ms. */
  linkLatencyMs(a: number, b: number): number {
    return (this.latencyUs + (this.linkExtraUs?.[a * ENDPOINTS + b] ?? 0)) / 1000;
  }

  /** Splits endpoints into groups (group numbers per endpoint); returns whether anything changed. */
  setGroups(groups: ArrayLike<number>, nowUs: number): boolean {
    let changed = false;
    for (let a = 0; a < ENDPOINTS; a++) {
      for (let b = 0; b < ENDPOINTS; b++) {
        const before = this.group[a] === this.group[b];
        const after = groups[a] === groups[b];
        if (before !== after) {
          this.linkChangedAt[a * ENDPOINTS + b] = nowUs;
          changed = true;
        }
      }
    }
    this.group.set(groups);
    return changed;
  }

  heal(nowUs: number): boolean {
    return this.setGroups(new Int32Array(ENDPOINTS), nowUs);
  }

  linkSince(a: number, b: number): number {
    return this.linkChangedAt[a * ENDPOINTS + b];
  }

  isPartitioned(): boolean {
    for (let i = 1; i < ENDPOINTS; i++) if (this.group[i] !== this.group[0]) return true;
    return false;
  }
}
