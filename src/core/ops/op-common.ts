// Steps and helpers both operations use: reading the cluster, naming members, asking for confirmation and
// looking again after it, and reading the member list afterwards from a member that is still there.
import { ClusterHealth, MemberHealth } from '../cluster-model';
import { MemberInfo } from '../port';
import { errorText } from './etcd-errors';
import { findById, knownMembers, label, memberInfos, resolveMember, resolveMemberById } from './member-ref';
import { OpRun, OpStop } from './op-run';
import { changesBetween, Decision } from './recheck';

export async function readCluster(run: OpRun, stepName = 'read cluster state'): Promise<ClusterHealth> {
  return run.step(stepName, async (note) => {
    const h = await run.port.snapshot();
    const leader = findById(h, h.leader);
    note.detail = `${knownMembers(h).length} members, leader ${leader ? label(leader) : 'none'}, `
      + `${h.quorum.healthy} of ${h.quorum.voters} voters healthy (quorum ${h.quorum.needed})`;
    return h;
  });
}

/** Reads the cluster and records the members and leader before the operation (and as "after" until it changes). */
export async function readClusterBefore(run: OpRun): Promise<ClusterHealth> {
  const r = run.result;
  const health = await readCluster(run);
  r.membersBefore = memberInfos(health);
  r.leaderBefore = health.leader;
  r.leaderAfter = health.leader;
  return health;
}

/** The member meant: by exact id for a tree row, by name first and then id for typed input. */
export function findTarget(run: OpRun, h: ClusterHealth, input: string) {
  return run.options.targetById ? resolveMemberById(h, input) : resolveMember(h, input);
}

/**
 * Both operations start alike: read the cluster, record the members and leader before, and find the member the
 * operator named. An unknown member refuses the operation with the check `checkName` failed.
 */
export async function readClusterAndTarget(run: OpRun, input: string, checkName: string, describe: (m: MemberHealth) => string): Promise<{ health: ClusterHealth; target: MemberHealth }> {
  const r = run.result;
  const health = await readClusterBefore(run);
  const found = findTarget(run, health, input);
  if (!found.member) {
    run.addChecks([{ name: checkName, ok: false, detail: found.error, severity: 'error' }]);
    throw new OpStop(`refused: ${found.error}`, true);
  }
  const target = found.member;
  r.targetId = target.id;
  r.targetName = target.name || null;
  run.addChecks([{ name: checkName, ok: true, detail: `${input} is ${describe(target)}` }]);
  return { health, target };
}

/** Members worth polling: known id, started, with a URL to reach them. */
export function watchedMembers(h: ClusterHealth): string[] {
  return knownMembers(h).filter((m) => m.started && (m.endpoint || m.clientURLs.length)).map((m) => m.id as string);
}

/** "m2 (8e9e...)" for ids of the cluster as first read; the bare id for others. */
export function nameResolver(h: ClusterHealth): (id: string | null) => string {
  return (id) => {
    if (!id) return 'none';
    const m = findById(h, id);
    return m ? label(m) : id;
  };
}

/**
 * Asks the caller's confirmation (CLI prompt, VS Code modal) once the checks passed. Without a confirm
 * callback (--yes) the first look is the one acted on. After a confirmation the deadline starts, the
 * cluster is read again and `decide` re-runs the checks on it; any change stops the operation with what
 * changed, before anything is sent. Returns the decision to act on.
 */
export async function confirmAndRecheck<D extends Decision>(run: OpRun, first: D, targetId: string, decide: (h: ClusterHealth) => Promise<D>): Promise<D> {
  if (!run.options.confirm) return first;
  const preview = { ...run.result, checks: [...run.result.checks], steps: [...run.result.steps], plan: [...run.result.plan] };
  if (!(await run.options.confirm(preview))) throw new OpStop('not confirmed: nothing was changed', true);
  run.confirmed();
  run.checkCancel('anything was sent');
  const health = await readCluster(run, 'read cluster state again after the confirmation');
  const again = await decide(health);
  const changes = changesBetween(first, again, targetId);
  const stop = `stopped after the confirmation, nothing was sent: the cluster changed since the checks you confirmed: ${changes.join('; ')}`;
  await run.step('recheck after the confirmation', async (note) => {
    if (changes.length) throw new OpStop(stop, true);
    note.detail = 'nothing the checks rest on changed';
  });
  return again;
}

/**
 * The member list as one of `viaIds` sees it (first that answers), for the audit. Never fails the
 * operation: returns null when no member answered within the time left (or within `graceMs` when given:
 * the one look allowed past the deadline).
 */
export async function readAfter(run: OpRun, viaIds: string[], exclude?: string, options: { signal?: AbortSignal; graceMs?: number } = {}): Promise<MemberInfo[] | null> {
  const tried = new Set<string>();
  for (const id of viaIds) {
    if (tried.has(id) || id === exclude) continue;
    tried.add(id);
    const grace = options.graceMs !== undefined;
    if (!grace && run.remaining() <= 0) break;
    try {
      return await run.within((signal) => run.port.memberList(id, { signal }), grace ? options.graceMs! : run.budget(),
        `member list from ${id}`, { signal: options.signal, pastDeadline: grace });
    } catch (err) {
      run.waiting(`a member list from another member (${id}: ${errorText(err)})`);
    }
  }
  return null;
}
