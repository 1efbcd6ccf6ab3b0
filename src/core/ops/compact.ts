// Compaction: at the current revision minus the revisions to keep (never past the current one), physical
// (the call returns once the old revisions are gone from the db), through the leader. The revision is read
// again after the confirmation, right before sending. Talks only to a ClusterPort.
import { ClusterHealth } from '../cluster-model';
import { formatBytes } from '../format';
import { ClusterPort } from '../port';
import { errorText } from './etcd-errors';
import { alarmsIn, corruptCheck, leaderAnswersCheck } from './maintenance-rules';
import { leaderListView } from './member-list-source';
import { findById, label, shortName } from './member-ref';
import { confirmAndRecheck, readAfter, readClusterBefore, watchedMembers } from './op-common';
import { OpRun } from './op-run';
import { Decision } from './recheck';
import { OpCheck, OpOptions, OpResult } from './types';

export interface CompactOptions extends OpOptions {
  /** Revisions to keep below the current one (default 1000). */
  keepRevisions?: number;
  /** Bound of the compaction call, ms (default 5 min). */
  compactTimeoutMs?: number;
}

export interface CompactResult extends OpResult {
  keepRevisions: number;
  /** The revision compacted at; null when nothing was compacted. */
  revision: number | null;
  /** The leader's revision right before the compaction was sent. */
  currentRevision: number | null;
  /** The leader's db size in use before and after (compaction frees pages; only a defragmentation shrinks the file). */
  dbSizeInUseBefore: number | null;
  dbSizeInUseAfter: number | null;
}

export const COMPACT_DEFAULTS = { keepRevisions: 1000, deadlineMs: 10 * 60_000, compactTimeoutMs: 5 * 60_000 } as const;

interface CompactDecision extends Decision {
  leaderId: string | null;
  current: number | null;
}

export async function compact(port: ClusterPort, options: CompactOptions = {}): Promise<CompactResult> {
  const keep = options.keepRevisions ?? COMPACT_DEFAULTS.keepRevisions;
  const run = new OpRun(port, 'compact', 'cluster', { ...options, deadlineMs: options.deadlineMs ?? COMPACT_DEFAULTS.deadlineMs });
  const r = run.result as CompactResult;
  Object.assign(r, { keepRevisions: keep, revision: null, currentRevision: null, dbSizeInUseBefore: null, dbSizeInUseAfter: null });
  try {
    const health = await readClusterBefore(run);
    const decide = async (h: ClusterHealth, stepName?: string): Promise<CompactDecision> => {
      const source = await leaderListView(run, h, stepName);
      const view = source.view;
      const leader = findById(view, view.leader);
      const checks: OpCheck[] = [source.check, leaderAnswersCheck(view), corruptCheck(view, alarmsIn(view), 'compaction')];
      const current = leader?.status?.revision ?? null;
      if (current === null) {
        checks.push({ name: 'revision', ok: false, severity: 'error', detail: 'the leader reported no current revision' });
      } else if (current - keep < 1) {
        checks.push({ name: 'revision', ok: false, severity: 'error', detail: `nothing to compact: the current revision ${current} is not above the ${keep} revisions kept` });
      } else {
        checks.push({ name: 'revision', ok: true, detail: `current revision ${current}: compaction at ${current - keep} keeps the last ${keep}` });
      }
      const plan = [
        `compact the keyspace through the leader ${label(leader)} at its current revision minus ${keep} (read again right before sending), physically: the call returns once the old revisions are gone`,
        'report the revision and the db size in use; run a defragmentation to give the freed space back to the file system',
      ];
      return { view, checks, plan, leaderId: leader?.id ?? null, current };
    };
    const first = await decide(health);
    r.checks = first.checks;
    r.plan = first.plan;
    r.currentRevision = first.current;
    r.dbSizeInUseBefore = findById(first.view, first.leaderId)?.status?.dbSizeInUse ?? null;
    run.refuseOnFailedChecks();
    if (run.options.dryRun) {
      run.skip('compact', 'dry run: nothing sent');
      r.membersAfter = r.membersBefore;
      return run.finish({ ok: true, reason: `dry run: would compact at revision ${(first.current as number) - keep} (current ${first.current}, keeping ${keep}); nothing was changed` }) as CompactResult;
    }
    const d = await confirmAndRecheck(run, first, first.leaderId as string, (h) => decide(h, 'read the member list again through the leader'));
    run.checkCancel('the compaction');
    const leaderId = d.leaderId as string;
    const at = (d.current as number) - keep;
    r.currentRevision = d.current;
    let already = '';
    await run.step(`compact at revision ${at} via ${shortName(findById(d.view, leaderId))}`, async (note) => {
      run.changed = true;
      run.pending = { kind: 'compact', what: `the compaction at revision ${at}`, checkWith: 'etcdctl get --rev <older revision> (answers "required revision has been compacted")' };
      try {
        await run.port.compact(at, leaderId, { signal: note.signal });
      } catch (err) {
        // A compaction already at or past this revision: what was asked holds already.
        if (!/required revision has been compacted/i.test(errorText(err))) throw err;
        already = errorText(err);
      }
      run.pending = null;
      r.revision = at;
      run.noteChange(`compacted at revision ${at}`);
      note.detail = already ? `already compacted at or past ${at}` : `compacted at ${at}, physically`;
    }, options.compactTimeoutMs ?? COMPACT_DEFAULTS.compactTimeoutMs);
    try {
      const s = await run.within((signal) => run.port.memberStatus(leaderId, { signal }), run.budget(), 'leader status after the compaction');
      r.dbSizeInUseAfter = s.dbSizeInUse;
    } catch { /* sizes are a report, not the outcome */ }
    r.membersAfter = await readAfter(run, watchedMembers(d.view));
    const sizes = r.dbSizeInUseBefore !== null && r.dbSizeInUseAfter !== null
      ? `; leader's db in use ${formatBytes(r.dbSizeInUseBefore)} -> ${formatBytes(r.dbSizeInUseAfter)}` : '';
    return run.finish({ ok: true, reason: `${already ? 'already compacted at or past' : 'compacted at'} revision ${at} (current ${d.current}, last ${keep} kept)${sizes}` }) as CompactResult;
  } catch (err) {
    return run.finish({ error: err }) as CompactResult;
  } finally {
    run.close();
  }
}
