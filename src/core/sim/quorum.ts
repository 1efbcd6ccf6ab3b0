// Majority-quorum arithmetic, as etcd's raft computes it (quorum/majority.go): pure functions, tested
// exactly against the reference tables in raft-testdata/quorum.

export type VoteResult = 'VotePending' | 'VoteLost' | 'VoteWon';

/** Votes needed out of n voters. */
export function majority(n: number): number {
  return (n >> 1) + 1;
}

/**
 * The largest index acknowledged by a majority of voters. `acked[i]` is voter i's acknowledged index
 * (0 when unknown). The empty configuration commits "everything" (Infinity), which is what joint quorums need.
 */
export function committedIndex(acked: ArrayLike<number>): number {
  const n = acked.length;
  if (n === 0) return Infinity;
  const sorted = Array.from(acked).sort((x, y) => x - y);
  return sorted[n - majority(n)];
}

/**
 * Same as committedIndex for the simulator's hot path: sorts a caller-owned scratch buffer in place
 * (insertion sort; clusters have a handful of voters) and allocates nothing.
 */
export function committedIndexInPlace(scratch: Float64Array | Int32Array, n: number): number {
  if (n === 0) return Infinity;
  for (let i = 1; i < n; i++) {
    const v = scratch[i];
    let j = i - 1;
    while (j >= 0 && scratch[j] > v) { scratch[j + 1] = scratch[j]; j--; }
    scratch[j + 1] = v;
  }
  return scratch[n - majority(n)];
}

/**
 * Outcome of an election among `voters` voters given granted and rejected counts; those who have not answered
 * are pending. An empty configuration always wins (joint quorums again).
 */
export function voteOutcome(voters: number, granted: number, rejected: number): VoteResult {
  if (voters === 0) return 'VoteWon';
  const q = majority(voters);
  if (granted >= q) return 'VoteWon';
  if (voters - rejected >= q) return 'VotePending';
  return 'VoteLost';
}

/** votes[i]: true granted, false rejected, undefined not yet answered. */
export function voteResult(votes: ReadonlyArray<boolean | undefined>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const v of votes) {
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  return voteOutcome(votes.length, granted, rejected);
}
