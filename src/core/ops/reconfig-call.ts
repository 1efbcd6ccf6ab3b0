// Sending one membership change (add, promote) inside a bounded step: etcd's refusals that clear by
// themselves (strict check "unhealthy cluster", a learner not yet in sync) are retried with backoff within
// the step's bound; nothing was proposed for those, so stopping there changes nothing. Any other error, or an
// answer cut off by the bound, is the caller's to judge (the change may have landed).
import { formatMs } from '../format';
import { isAbortError, throwIfAborted } from '../port';
import { classifyError, errorText, waitingReason } from './etcd-errors';
import { OpRun, PendingAction, StepNote } from './op-run';

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 1000;

/** etcd's "can only promote a learner member which is in sync with leader": checked before raft. */
export function isLearnerNotReady(err: unknown): boolean {
  return /in sync with leader|learner.*not ready/i.test(errorText(err));
}

export class TransientRefusal extends Error {}

export async function sendWithRetry<T>(run: OpRun, note: StepNote, pending: PendingAction,
  send: (signal: AbortSignal) => Promise<T>): Promise<T> {
  let attempts = 0;
  let refusedSince: number | null = null;
  let backoff = BACKOFF_START_MS;
  const changedBefore = run.changed;
  for (;;) {
    throwIfAborted(note.signal);
    attempts++;
    run.pending = pending;
    run.changed = true;
    try {
      const value = await send(note.signal);
      run.pending = null;
      if (refusedSince !== null) note.detail = `etcd refused ${attempts - 1} attempt(s) over ${formatMs(run.now() - refusedSince)} first`;
      return value;
    } catch (err) {
      if (isAbortError(err)) throw err; // cut off in flight: the outcome is unknown, pending stays set
      run.pending = null;
      const kind = classifyError(err);
      const transient = kind === 'reconfig-unhealthy' || isLearnerNotReady(err);
      // etcd's own refusals come before raft: nothing was proposed. A lost answer is the caller's to look up.
      if (kind === 'fatal' || transient) run.changed = changedBefore;
      if (!transient) throw err;
      refusedSince ??= run.now();
      note.detail = `etcd refused ${attempts} attempt(s) over ${formatMs(run.now() - refusedSince)} (${errorText(err)})`;
      run.checkCancel(`${pending.what} (etcd had refused it so far)`);
      const why = isLearnerNotReady(err) ? `etcd to judge the learner in sync (${errorText(err)})` : waitingReason('reconfig-unhealthy', err);
      run.waiting(`${why}; retrying in ${formatMs(backoff)} (attempt ${attempts})`);
      if (!(await run.pause(backoff, note.signal)) || run.remaining() < 50) {
        throw new TransientRefusal(`etcd kept refusing ${pending.what} for ${formatMs(run.now() - refusedSince)}: ${errorText(err)}; nothing was changed`);
      }
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    }
  }
}
