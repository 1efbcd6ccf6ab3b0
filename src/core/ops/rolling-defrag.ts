// Rolling defragmentation: one member at a time, learners and followers first, the leader last (or
// leadership moved to a member already done, with `transferLeader`), each followed by a health gate (the
// member answers a linearizable read and its applied index is back near the leader's) before the next. A
// defragmentation stalls its member for its whole length, so the cluster must be able to spare one member.
// A defragmentation whose answer never came may still be running: reported as unknown, and the run stops
// there. Talks only to a ClusterPort.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { formatBytes, formatMs } from '../format';
import { sameId } from '../ids';
import { ClusterPort, isAbortError } from '../port';
import { classifyError, errorText } from './etcd-errors';
import { LeaderWatch } from './leader-watch';
import { alarmsIn, answers, corruptCheck, defragOrder, leaderAnswersCheck, spareCheck, targetAnswersChecks } from './maintenance-rules';
import { leaderListView } from './member-list-source';
import { findById, knownMembers, label, shortName } from './member-ref';
import { confirmAndRecheck, findTarget, nameResolver, readAfter, readCluster, readClusterBefore, watchedMembers } from './op-common';
import { OpRun, OpStop } from './op-run';
import { Decision } from './recheck';
import { transferLeadership } from './transfer';
import { OpCheck, OpOptions, OpResult } from './types';

export interface DefragOptions extends OpOptions {
  /** One member (name or id as typed; an exact id with `targetById`); every started member when absent. */
  member?: string;
  /** Move leadership to a member already defragmented before defragmenting the leader. */
  transferLeader?: boolean;
  /** With NOSPACE raised, go ahead even when stalling one member leaves no quorum (the operator said so). */
  acceptNoFaultTolerance?: boolean;
  /** Bound of one member's defragmentation, ms (default 10 min). */
  memberTimeoutMs?: number;
  /** Bound of the health gate after each member, ms (default 60 s). */
  gateTimeoutMs?: number;
}

export const DEFRAG_DEFAULTS = { deadlineMs: 30 * 60_000, memberTimeoutMs: 10 * 60_000, gateTimeoutMs: 60_000 } as const;

/** done: defragmented and answered; unknown: sent, no answer (it may still run); failed: etcd refused it. */
export type DefragState = 'done' | 'unknown' | 'failed' | 'not-started';

export interface DefragMemberReport {
  id: string;
  name: string;
  dbSizeBefore: number | null;
  dbSizeAfter: number | null;
  dbSizeInUseBefore: number | null;
  /** How long the member was stalled (the defragment call), null until it answered. */
  ms: number | null;
  state: DefragState;
}

export interface DefragResult extends OpResult {
  /** Member names in the order they are (or would be) defragmented. */
  order: string[];
  members: DefragMemberReport[];
}

interface DefragDecision extends Decision {
  order: MemberHealth[];
}

const GATE_POLL_MS = 200;

function reportOf(m: MemberHealth): DefragMemberReport {
  return { id: m.id as string, name: m.name, dbSizeBefore: m.status?.dbSize ?? null, dbSizeAfter: null,
    dbSizeInUseBefore: m.status?.dbSizeInUse ?? null, ms: null, state: 'not-started' };
}

export async function rollingDefrag(port: ClusterPort, options: DefragOptions = {}): Promise<DefragResult> {
  const run = new OpRun(port, 'defrag', options.member ?? 'all', { ...options, deadlineMs: options.deadlineMs ?? DEFRAG_DEFAULTS.deadlineMs });
  const r = run.result as DefragResult;
  r.order = [];
  r.members = [];
  const memberTimeoutMs = options.memberTimeoutMs ?? DEFRAG_DEFAULTS.memberTimeoutMs;
  const gateTimeoutMs = options.gateTimeoutMs ?? DEFRAG_DEFAULTS.gateTimeoutMs;
  let watch: LeaderWatch | null = null;
  let current: MemberHealth | null = null;
  try {
    const health = await readClusterBefore(run);
    let onlyId: string | null = null;
    if (options.member) {
      const found = findTarget(run, health, options.member);
      if (!found.member) {
        run.addChecks([{ name: 'member-exists', ok: false, detail: found.error, severity: 'error' }]);
        throw new OpStop(`refused: ${found.error}`, true);
      }
      onlyId = found.member.id as string;
      r.targetId = onlyId;
      r.targetName = found.member.name || null;
    }
    const decide = async (h: ClusterHealth, stepName?: string): Promise<DefragDecision> => {
      const source = await leaderListView(run, h, stepName);
      const view = source.view;
      const alarms = alarmsIn(view);
      const nospace = alarms.some((a) => a.alarm === 'NOSPACE');
      // A member named must answer; with --all, one that does not is skipped (the fault-tolerance rule decides).
      const named = onlyId ? [findById(view, onlyId)].filter((m): m is MemberHealth => Boolean(m)) : knownMembers(view).filter((m) => m.started);
      const targets = onlyId ? named : named.filter(answers);
      const checks: OpCheck[] = [source.check, leaderAnswersCheck(view), corruptCheck(view, alarms, 'defragmentation'),
        spareCheck(view, nospace, Boolean(options.acceptNoFaultTolerance), targets), ...targetAnswersChecks(named, !onlyId)];
      if (onlyId && !targets.length) checks.push({ name: 'member-exists', ok: false, detail: `${onlyId} is not in the leader's member list`, severity: 'error' });
      const { order, why } = defragOrder(view, targets);
      if (options.transferLeader && order.some((m) => sameId(m.id, view.leader))) {
        const others = knownMembers(view).filter((m) => !sameId(m.id, view.leader) && !m.isLearner && answers(m));
        checks.push(others.length
          ? { name: 'leader-successor', ok: true, detail: `leadership can move to ${others.map(shortName).join(' or ')} (one already defragmented first)` }
          : { name: 'leader-successor', ok: false, severity: 'error', detail: 'no other voter answers to take over leadership: drop --transfer-leader' });
      }
      return { view, checks, order, plan: planFor(view, order, why, options, run) };
    };
    const first = await decide(health);
    r.checks = first.checks;
    r.plan = first.plan;
    r.order = first.order.map(shortName);
    r.members = first.order.map(reportOf);
    run.refuseOnFailedChecks();

    if (run.options.dryRun) {
      for (const m of first.order) run.skip(`defragment ${shortName(m)}`, 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      run.finish({ ok: true, reason: `dry run: would defragment ${r.order.join(', ')} in that order; nothing was changed` });
      return r;
    }
    const d = await confirmAndRecheck(run, first, first.order[0]?.id as string, (h) => decide(h, 'read the member list again through the leader'));
    r.checks = d.checks;
    r.members = d.order.map(reportOf);
    run.checkCancel('the first defragmentation');

    const watched = watchedMembers(d.view);
    const names = nameResolver(d.view);
    watch = new LeaderWatch(port, watched, run.options.pollMs, run.signal);
    watch.start();
    const remaining = [...d.order];
    const done: MemberHealth[] = [];
    while (remaining.length) {
      // The leader goes last even when leadership moved during the run.
      const leaderNow = watch.validLeader() ?? d.view.leader;
      const idx = remaining.findIndex((m) => !sameId(m.id, leaderNow));
      const next = remaining.splice(idx >= 0 ? idx : 0, 1)[0];
      run.checkCancel(`defragmenting ${shortName(next)}`);
      if (options.transferLeader && sameId(next.id, leaderNow) && !next.isLearner) await moveLeaderAway(run, watch, next, done, names, watched.length);
      current = next;
      const entry = r.members.find((e) => sameId(e.id, next.id)) as DefragMemberReport;
      await defragmentOne(run, next, entry, memberTimeoutMs);
      await healthGate(run, next, gateTimeoutMs);
      current = null;
      done.push(next);
    }
    r.leaderlessMs = watch.leaderless();
    r.leaderAfter = watch.validLeader();
    r.membersAfter = await readAfter(run, watched);
    const reclaimed = r.members.reduce((sum, e) => sum + Math.max(0, (e.dbSizeBefore ?? 0) - (e.dbSizeAfter ?? e.dbSizeBefore ?? 0)), 0);
    run.finish({ ok: true, reason: `defragmented ${r.order.join(', ')} one at a time; ${formatBytes(reclaimed)} given back; every member passed its health gate` });
    return r;
  } catch (err) {
    if (watch) r.leaderlessMs = watch.leaderless();
    // For the audit: the member list from a member other than the one that stopped the run, one short look.
    if (run.changed) r.membersAfter = await readAfter(run, r.membersBefore.map((m) => m.id), current?.id ?? undefined, { graceMs: run.graceMs() });
    run.finish({ error: whereStopped(err, r, current) });
    return r;
  } finally {
    watch?.stop();
    run.close();
  }
}

function planFor(h: ClusterHealth, order: MemberHealth[], why: string[], options: DefragOptions, run: OpRun): string[] {
  const gate = `then wait until it answers a linearizable read and its applied index is within ${run.options.maxLagEntries} entries of the leader's`;
  return order.map((m, i) => {
    const move = options.transferLeader && sameId(m.id, h.leader) ? 'move leadership to a member already defragmented, then ' : '';
    return `${move}defragment ${label(m)} at its own endpoint (${why[i]}); ${gate}`;
  });
}

async function defragmentOne(run: OpRun, m: MemberHealth, entry: DefragMemberReport, timeoutMs: number): Promise<void> {
  const id = m.id as string;
  await run.step(`defragment ${shortName(m)}`, async (note) => {
    run.changed = true;
    entry.state = 'unknown';
    run.pending = { kind: 'defrag', what: `the defragmentation of ${shortName(m)}`,
      checkWith: `etcdctl endpoint status --endpoints ${m.endpoint ?? m.clientURLs[0] ?? '?'} (DB SIZE) and ${shortName(m)}'s log` };
    note.detail = `sent to ${shortName(m)}; it serves nothing until it is done`;
    const sentAt = run.now();
    try {
      await run.port.defragment(id, { signal: note.signal });
    } catch (err) {
      // A refusal etcd answered is definite; a call that got no answer may still be running.
      if (!isAbortError(err) && classifyError(err) === 'fatal') { run.pending = null; entry.state = 'failed'; }
      throw err;
    }
    run.pending = null;
    entry.ms = Math.round(run.now() - sentAt);
    entry.state = 'done';
    run.noteChange(`${shortName(m)} defragmented`);
    try {
      const s = await run.within((signal) => run.port.memberStatus(id, { signal }), run.budget(), `status of ${shortName(m)}`, { signal: note.signal });
      entry.dbSizeAfter = s.dbSize;
      note.detail = `${formatBytes(entry.dbSizeBefore ?? 0)} -> ${formatBytes(s.dbSize)} (${formatBytes(s.dbSizeInUse)} in use), stalled ${formatMs(entry.ms)}`;
    } catch (err) {
      note.detail = `done in ${formatMs(entry.ms)}; its size after is unknown (${errorText(err)})`;
    }
  }, timeoutMs);
}

/** The member answers a linearizable read (through the refresh) and its applied index is back near the leader's. */
async function healthGate(run: OpRun, m: MemberHealth, timeoutMs: number): Promise<void> {
  await run.step(`health gate ${shortName(m)}`, async (note) => {
    run.waiting(`${shortName(m)} to answer a linearizable read and catch up with the leader`);
    for (;;) {
      const h = await run.within(() => run.port.snapshot(), run.budget(), 'cluster refresh', { signal: note.signal });
      const now = findById(h, m.id);
      const leader = findById(h, h.leader);
      if (now && answers(now) && now.status && leader?.status) {
        const lag = Math.max(0, leader.status.appliedIndex - now.status.appliedIndex);
        if (lag <= run.options.maxLagEntries) {
          note.detail = `${shortName(now)} answers a linearizable read; applied index ${lag} behind ${shortName(leader)}'s`;
          return;
        }
        note.detail = `${shortName(now)} trails the leader by ${lag} applied entries`;
      } else {
        note.detail = !leader?.status ? 'no answering leader' : `${shortName(m)} does not answer yet (${now?.error ?? 'not in the refresh'})`;
      }
      if (!(await run.pause(GATE_POLL_MS, note.signal))) throw new Error(`${shortName(m)} did not pass its health gate before the deadline`);
    }
  }, timeoutMs);
}

/** Before defragmenting the leader: leadership to a caught-up voter that answers, one already done first. */
async function moveLeaderAway(run: OpRun, watch: LeaderWatch, leader: MemberHealth, done: MemberHealth[],
  names: (id: string | null) => string, watchedCount: number): Promise<void> {
  const h = await readCluster(run, 'read cluster state before moving leadership');
  const lead = findById(h, leader.id);
  // Members already defragmented first (they will not stall again in this run), then any other voter.
  const others = knownMembers(h).filter((m) => !sameId(m.id, leader.id) && !done.some((d) => sameId(d.id, m.id)));
  const candidates = [...done.map((m) => findById(h, m.id)), ...others]
    .filter((m): m is MemberHealth => Boolean(m && !m.isLearner && answers(m) && m.status));
  const caughtUp = candidates.filter((m) => lead?.status && lead.status.appliedIndex - (m.status?.appliedIndex ?? 0) <= run.options.maxLagEntries);
  const successor = caughtUp[0];
  if (!lead?.status || !successor) throw new Error(`no caught-up voter can take over leadership from ${shortName(leader)} now; ${shortName(leader)} was not defragmented`);
  const outcome = await transferLeadership(run, watch, lead, successor, names, watchedCount);
  run.result.transferMs = outcome.ms;
  if (!outcome.ok) throw new Error(`${outcome.reason}; ${shortName(leader)} was not defragmented`);
  run.result.leaderTransferredTo = successor.id;
}

/** The error with where the run stopped: the member in progress, those done, those never started. */
function whereStopped(err: unknown, r: DefragResult, current: MemberHealth | null): unknown {
  if (err instanceof OpStop && err.refused) return err;
  const done = r.members.filter((e) => e.state === 'done').map((e) => e.name || e.id);
  const notStarted = r.members.filter((e) => e.state === 'not-started').map((e) => e.name || e.id);
  const unanswered = current && r.members.find((e) => sameId(e.id, current.id))?.state === 'unknown';
  const at = current ? `stopped at ${shortName(current)}${unanswered ? ' (its defragmentation got no answer: it may still be running on the member)' : ''}` : 'stopped';
  const tail = `${at}: ${errorText(err)}; defragmented: ${done.join(', ') || 'none'}; not started: ${notStarted.join(', ') || 'none'}`;
  return err instanceof OpStop ? new OpStop(tail, err.refused, err.cancelled) : new Error(tail);
}
