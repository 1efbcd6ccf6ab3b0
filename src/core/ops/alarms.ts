// Alarms: list them (the Alarm RPC, through the leader: a raft proposal, so for this explicit command only)
// and disarm NOSPACE once its cause is gone: every member's db under its quota with a margin. Otherwise the
// refusal names the sequence that works (compact, defragment each member, disarm). CORRUPT is never
// disarmed by this tool. Talks only to a ClusterPort.
import { ClusterHealth } from '../cluster-model';
import { sameId } from '../ids';
import { AlarmInfo, AlarmKind, ClusterPort } from '../port';
import { corruptAdvice, corruptCheck, leaderAnswersCheck, memberName, nospaceSequenceText, spaceChecks } from './maintenance-rules';
import { leaderListView } from './member-list-source';
import { findById, label, shortName } from './member-ref';
import { confirmAndRecheck, readAfter, readClusterBefore, watchedMembers } from './op-common';
import { OpRun, OpStop } from './op-run';
import { Decision } from './recheck';
import { blockingChecks, OpCheck, OpOptions, OpResult } from './types';

export interface AlarmEntry {
  memberId: string;
  name: string;
  alarm: AlarmKind;
}

export interface AlarmsOptions extends OpOptions {
  /** Disarm the NOSPACE alarms (when their cause is gone); without it the alarms are only listed. */
  disarm?: boolean;
  /** The quota the members run with, when known and they do not report it (before 3.6). */
  quotaBackendBytes?: number;
  /** Where that quota came from, in words ("from --quota", "from the members' metrics"). */
  quotaSource?: string;
}

export interface AlarmsResult extends OpResult {
  /** The alarms raised when the command ran (before any disarm). */
  alarms: AlarmEntry[];
  /** The alarms this run disarmed, confirmed by a fresh list that no longer has them. */
  disarmed: AlarmEntry[];
}

interface AlarmDecision extends Decision {
  leaderId: string;
  alarms: AlarmInfo[];
}

export async function alarms(port: ClusterPort, options: AlarmsOptions = {}): Promise<AlarmsResult> {
  const run = new OpRun(port, 'alarms', 'cluster', options);
  const r = run.result as AlarmsResult;
  r.alarms = [];
  r.disarmed = [];
  const disarm = Boolean(options.disarm);
  const entry = (h: ClusterHealth, a: AlarmInfo): AlarmEntry => ({ memberId: a.memberId, name: findById(h, a.memberId)?.name ?? '', alarm: a.alarm });
  try {
    const health = await readClusterBefore(run);
    const decide = async (h: ClusterHealth, stepName?: string): Promise<AlarmDecision> => {
      const source = await leaderListView(run, h, stepName);
      const view = source.view;
      const leader = leaderAnswersCheck(view);
      const checks: OpCheck[] = [source.check, leader];
      if (!leader.ok) throw refusal([...checks]);
      const leaderId = view.leader as string;
      const raised = await run.step(`list alarms through the leader ${shortName(findById(view, leaderId))}`, async (note) => {
        const list = await run.port.alarms(leaderId, { signal: note.signal });
        note.detail = list.length ? list.map((a) => `${a.alarm} on ${memberName(view, a.memberId)}`).join(', ') : 'no alarm raised';
        return list;
      });
      if (disarm) {
        checks.push(corruptCheck(view, raised, 'disarming'));
        if (raised.some((a) => a.alarm === 'NOSPACE')) checks.push(...spaceChecks(view, options.quotaBackendBytes, options.quotaSource));
      }
      const nospace = raised.filter((a) => a.alarm === 'NOSPACE');
      const plan = disarm && nospace.length
        ? [...nospace.map((a) => `disarm NOSPACE of ${memberName(view, a.memberId)} through the leader ${label(findById(view, leaderId))}`),
          'verify: list the alarms again; none of those may be raised']
        : [];
      return { view, checks, plan, leaderId, alarms: raised };
    };
    const refusal = (checks: OpCheck[]) => {
      r.checks = checks;
      return new OpStop(`refused: ${blockingChecks(checks).map((c) => c.detail).join('; ')}`, true);
    };
    const first = await decide(health);
    r.checks = first.checks;
    r.plan = first.plan;
    r.alarms = first.alarms.map((a) => entry(first.view, a));
    const summary = describe(first.view, first.alarms);
    if (!disarm) return finishAs(run.finish({ ok: true, reason: summary }));
    const blocking = blockingChecks(first.checks);
    if (blocking.length) {
      const nospace = first.alarms.some((a) => a.alarm === 'NOSPACE');
      throw new OpStop(`refused: ${blocking.map((c) => c.detail).join('; ')}${nospace && blocking.some((c) => c.name.startsWith('db-under-quota')) ? `; the sequence that works: ${nospaceSequenceText()}` : ''}`, true);
    }
    if (!first.alarms.length) return finishAs(run.finish({ ok: true, reason: 'no alarm raised: nothing to disarm' }));
    if (run.options.dryRun) {
      run.skip('disarm NOSPACE', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return finishAs(run.finish({ ok: true, reason: `dry run: ${summary}; would be disarmed; nothing was changed` }));
    }
    const d = await confirmAndRecheck(run, first, first.leaderId, (h) => decide(h, 'read the member list again through the leader'));
    run.checkCancel('disarming');
    const toDisarm = d.alarms.filter((a) => a.alarm === 'NOSPACE');
    for (const a of toDisarm) {
      run.checkCancel(`disarming NOSPACE of ${memberName(d.view, a.memberId)}`);
      await run.step(`disarm NOSPACE of ${memberName(d.view, a.memberId)}`, async (note) => {
        run.changed = true;
        run.pending = { kind: 'disarm', what: `disarming NOSPACE of ${memberName(d.view, a.memberId)}`, checkWith: 'etcdctl alarm list' };
        await run.port.disarmAlarm(a, d.leaderId, { signal: note.signal });
        run.pending = null;
        run.noteChange(`NOSPACE of ${memberName(d.view, a.memberId)} disarmed`);
        note.detail = 'the leader accepted the disarm';
      });
    }
    const still = await run.step('verify: list the alarms again', async (note) => {
      const list = await run.port.alarms(d.leaderId, { signal: note.signal });
      note.detail = list.length ? `still raised: ${list.map((x) => `${x.alarm} on ${memberName(d.view, x.memberId)}`).join(', ')}` : 'no alarm raised';
      return list;
    });
    r.membersAfter = await readAfter(run, watchedMembers(d.view));
    r.disarmed = toDisarm.filter((a) => !still.some((x) => sameId(x.memberId, a.memberId) && x.alarm === a.alarm)).map((a) => entry(d.view, a));
    if (r.disarmed.length < toDisarm.length) {
      throw new Error(`NOSPACE is raised again after the disarm (a member went over its quota at once): ${describe(d.view, still)}`);
    }
    return finishAs(run.finish({ ok: true, reason: `disarmed ${r.disarmed.map((a) => `NOSPACE of ${a.name || a.memberId}`).join(', ')}; writes are accepted again` }));
  } catch (err) {
    return finishAs(run.finish({ error: err }));
  } finally {
    run.close();
  }

  function finishAs(x: OpResult): AlarmsResult {
    return x as AlarmsResult;
  }
}

/** The alarms in words, each with what to do about it. */
export function describe(h: ClusterHealth, list: AlarmInfo[]): string {
  if (!list.length) return 'no alarm raised';
  const parts = list.map((a) => {
    const who = memberName(h, a.memberId);
    return a.alarm === 'NOSPACE'
      ? `NOSPACE raised by ${who} (writes are refused cluster-wide); recovery: ${nospaceSequenceText()}`
      : `CORRUPT raised by ${who}: ${corruptAdvice(who)}`;
  });
  return parts.join('; ');
}
