// Join readiness: can this node join the cluster now, through which member, and what to do first. Reads only:
// one health refresh, the member list through the leader (linearizable), the node's data dir (read-only
// diagnosis), its k3s/RKE2 config and a TCP probe of the server that config names. Never writes anything.
import * as fs from 'node:fs';
import { ClusterHealth } from '../cluster-model';
import { defaultPkiDir, Diagnosis, diagnoseDataDir } from '../datadir/diagnose';
import { inspectDataDir } from '../datadir/inspect';
import { selfUrls } from '../datadir/join-state';
import { DataDirUsageError } from '../datadir/layout';
import { liveViewFromHealth } from '../datadir/live-view';
import { sameId } from '../ids';
import { errorText } from '../ops/etcd-errors';
import { withLeaderList } from '../ops/member-list-source';
import { label } from '../ops/member-ref';
import { answeringLeader } from '../ops/transfer-rules';
import { DEFAULTS } from '../ops/types';
import { abortError, ClusterPort, MemberInfo } from '../port';
import { JoinDistro, joinSteps, JoinStep } from './distro-steps';
import { clusterBlockers, dataDirBlockers, JoinBlocker, joinConfigBlockers, learnerBlockers, staleEntryBlockers } from './join-blockers';
import { judgeJoinConfig, readJoinConfig } from './join-config';
import { chooseJoinTarget, JoinTarget } from './join-target';

export interface JoinCheckOptions {
  distro: JoinDistro;
  /** The node's etcd data dir; null when there is none to read (a fresh node). */
  dataDir?: string | null;
  pkiDir?: string | null;
  /** The new member's name and peer URLs, when given (else read from the data dir). */
  name?: string | null;
  peerURLs?: string[];
  /** Filesystem root the k3s/RKE2 config is read under ("/" on the node itself). */
  root?: string;
  /** Bound of each call this check makes (the port's own calls carry their deadlines too). */
  timeoutMs: number;
  maxLagEntries?: number;
  signal?: AbortSignal;
}

export interface JoinCheckResult {
  ready: boolean;
  target: JoinTarget | null;
  blockers: JoinBlocker[];
  steps: JoinStep[];
  distro: JoinDistro;
  /** What was read and how, in words (for the text report; not part of the JSON contract). */
  notes: string[];
  diagnosis: Diagnosis | null;
}

/** Runs `work` at most `ms`; its signal is aborted when the bound is hit, the caller aborts, or the work ends. */
async function bounded<T>(ms: number, what: string, work: (signal: AbortSignal) => Promise<T>, parent?: AbortSignal): Promise<T> {
  if (parent?.aborted) throw abortError(parent);
  const scope = new AbortController();
  let onAbort = () => scope.abort(parent?.reason);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(scope.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
        // A cancelled check ends now, even when the call it waits for takes no signal (a refresh).
        onAbort = () => { scope.abort(parent?.reason); reject(abortError(parent)); };
        parent?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
    scope.abort(new Error(`${what}: ended`));
  }
}

async function leaderView(port: ClusterPort, h: ClusterHealth, options: JoinCheckOptions): Promise<{ view: ClusterHealth; list: { ok: boolean; detail: string } }> {
  const leader = answeringLeader(h);
  if (!leader) return { view: h, list: { ok: false, detail: 'no answering leader' } };
  try {
    const list: MemberInfo[] = await bounded(options.timeoutMs, `member list through ${label(leader)}`,
      (signal) => port.memberList(leader.id as string, { linearizable: true, signal }), options.signal);
    return { view: withLeaderList(h, list).view, list: { ok: true, detail: `member list read through the leader ${label(leader)}` } };
  } catch (err) {
    return { view: h, list: { ok: false, detail: errorText(err) } };
  }
}

function dirExists(dir: string): boolean {
  try { return fs.statSync(dir).isDirectory(); } catch { return false; }
}

/** The node's name and peer URLs: as given, else what its data dir recorded about itself. */
function identityFrom(options: JoinCheckOptions, diagnosis: Diagnosis | null): { name: string | null; peerURLs: string[] } {
  let name = options.name ?? null;
  let peerURLs = options.peerURLs ?? [];
  if ((!name || !peerURLs.length) && diagnosis && diagnosis.memberId && options.dataDir) {
    const self = selfUrls(inspectDataDir(options.dataDir));
    name = name ?? self.name;
    if (!peerURLs.length) peerURLs = self.peerURLs;
  }
  return { name, peerURLs };
}

export async function checkJoin(port: ClusterPort, options: JoinCheckOptions): Promise<JoinCheckResult> {
  const notes: string[] = [];
  const maxLag = options.maxLagEntries ?? DEFAULTS.maxLagEntries;
  const h = await bounded(options.timeoutMs * 3, 'health refresh', () => port.snapshot(), options.signal);
  const { view, list } = await leaderView(port, h, options);
  notes.push(list.ok ? `${list.detail}: ${view.members.length} members` : `member list not read through a leader: ${list.detail}`);
  const blockers: JoinBlocker[] = [...clusterBlockers(view, options.distro, list)];

  const choice = chooseJoinTarget(view, options.distro, maxLag);
  if (!choice.target && blockers.every((b) => b.code !== 'cluster-unreachable')) {
    blockers.push({ code: 'no-target', message: `No member can be the join target: ${choice.reason}.`,
      remediation: 'A join needs a started, healthy, caught-up voter to go through: bring members back, or wait for them to catch up, then run join-check again.' });
  }

  let diagnosis: Diagnosis | null = null;
  let pkiDir = options.pkiDir ?? null;
  if (options.dataDir && dirExists(options.dataDir)) {
    // Only the leader's list may say the dir's member was removed; without it the dir is judged alone.
    const { live, reason } = list.ok ? liveViewFromHealth(view) : { live: null, reason: `the member list was not read through the leader (${list.detail})` };
    try {
      diagnosis = diagnoseDataDir({ dataDir: options.dataDir, pkiDir, live, liveUnavailableReason: reason });
      pkiDir = diagnosis.details.pkiDir ?? pkiDir ?? defaultPkiDir(options.dataDir);
      notes.push(`data dir ${diagnosis.dataDir}: ${diagnosis.state}${diagnosis.memberId ? ` (member ${diagnosis.memberId})` : ''}`);
      blockers.push(...dataDirBlockers(diagnosis, options.distro, pkiDir));
    } catch (err) {
      if (!(err instanceof DataDirUsageError)) throw err;
      blockers.push({ code: 'datadir-unreadable', message: `The data dir ${options.dataDir} could not be read: ${err.message}.`,
        remediation: 'Run join-check as a user that may read it (root on k3s, RKE2, k0s and kubeadm nodes): whether it must be moved aside is decided from its contents.' });
    }
  } else if (options.dataDir) {
    notes.push(`data dir ${options.dataDir} does not exist: nothing to move aside`);
  }

  const ownId = diagnosis?.memberId && view.members.some((m) => sameId(m.id, diagnosis!.memberId)) ? diagnosis.memberId : null;
  const identity = identityFrom(options, diagnosis);
  if (identity.name || identity.peerURLs.length) {
    notes.push(`this node: ${identity.name ? `name ${identity.name}` : 'no name'}, ${identity.peerURLs.length ? `peer URLs ${identity.peerURLs.join(', ')}` : 'no peer URLs'}`);
  }
  if (list.ok) {
    blockers.push(...learnerBlockers(view, options.distro, ownId));
    blockers.push(...staleEntryBlockers(view, { ...identity, ownId }));
  }

  const cfg = readJoinConfig(options.root ?? '/', options.distro);
  let configFile: string | undefined;
  if (cfg) {
    configFile = cfg.file;
    const judged = await judgeJoinConfig(cfg, view, options.timeoutMs, options.signal);
    notes.push(`${cfg.file}: ${cfg.server ? `server: ${cfg.server}${judged.reachable ? ` (${judged.reachable.detail})` : ''}` : 'no server:'}${cfg.clusterInit ? ', cluster-init: true' : ''}`);
    blockers.push(...joinConfigBlockers(judged, options.distro, choice.target));
  }

  const moveAside = [...new Set(blockers.filter((b) => /^datadir-(removed|foreign-cluster|db-without-wal|corrupt)$/.test(b.code)).map(() => diagnosis!.dataDir)
    .concat(blockers.some((b) => b.code === 'datadir-certs-only') && pkiDir ? [pkiDir] : []))];
  const steps = joinSteps({
    distro: options.distro,
    target: choice.target ? { name: choice.target.name, clientURL: choice.target.clientURL, joinAddress: choice.target.joinAddress } : null,
    moveAside, configFile, name: identity.name, peerURLs: identity.peerURLs, endpoints: h.endpoints,
    alreadyMember: blockers.some((b) => b.code === 'datadir-joined' || b.code === 'datadir-learner'),
  });
  return { ready: blockers.length === 0, target: choice.target, blockers, steps, distro: options.distro, notes, diagnosis };
}

/** The JSON contract: `{ready, target, blockers, steps, distro}`. */
export function joinCheckJson(r: JoinCheckResult) {
  return { ready: r.ready, target: r.target, blockers: r.blockers, steps: r.steps, distro: r.distro };
}
