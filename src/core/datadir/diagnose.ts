// The whole data-dir diagnosis: read the dir, find the node's certificates, classify the join state
// against the live cluster when one is given, and check the certificates against the member's own URLs.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allCertFindings, CertsReport, CertsUsageError, inspectCertificates } from '../certs/inspect';
import { bySeverity, Finding, finding } from '../findings';
import { DataDirFacts, inspectDataDir, SchemaVersion } from './inspect';
import { DataDirUsageError } from './layout';
import { classifyJoinState, JoinState, LiveView, PkiSummary, selfUrls } from './join-state';

export interface DiagnoseOptions {
  dataDir: string;
  /** Directory with the node's certificates; default: where the distro keeps them relative to the data dir. */
  pkiDir?: string | null;
  live?: LiveView | null;
  liveUnavailableReason?: string | null;
  /** Picks the live view once the dir's cluster id is known (the extension matches configured clusters by it). */
  liveFor?: (walClusterId: string | null) => { live: LiveView | null; reason: string | null };
  now?: Date;
}

export interface Diagnosis {
  state: JoinState;
  memberId: string | null;
  clusterId: string | null;
  dataDir: string;
  findings: Finding[];
  details: {
    walSegments: number;
    walBytesRead: number;
    lastIndex: number | null;
    lastTerm: number | null;
    hardState: { term: number; vote: string | null; commit: number } | null;
    bootSnapshot: { file: string; source: 'snap-file' | 'wal-record'; index: number; term: number; voters: string[]; learners: string[] } | null;
    /** The db's schema (storageVersion 3.6+, else 3.5 from meta/term, else 3.4) and the boot rules it implies. */
    schema: SchemaVersion | null;
    /** Where a damaged frame cuts the WAL, and how much written data lies behind it. */
    walDamage: { file: string; offset: number; bytesBehind: number; recordsBehind: number } | null;
    db: { size: number; consistentIndex: number | null; clusterVersion: string | null; members: { id: string; name: string; isLearner: boolean }[] | null; removedMembers: string[]; bytesRead: number } | null;
    pkiDir: string | null;
    certificates: number;
    timings: DataDirFacts['timings'];
  };
}

/** k3s/RKE2 (server/db/etcd -> server/tls/etcd) and k0s (k0s/etcd -> k0s/pki) keep certs next to the data dir. */
export function defaultPkiDir(dataDir: string): string | null {
  const root = path.resolve(dataDir);
  const candidates = [path.join(root, '..', '..', 'tls', 'etcd'), path.join(root, '..', 'pki')];
  if (root === '/var/lib/etcd') candidates.push('/etc/kubernetes/pki/etcd');
  return candidates.find((c) => { try { return fs.statSync(c).isDirectory(); } catch { return false; } }) ?? null;
}

function certFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    let names: fs.Dirent[];
    try { names = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const n of names) {
      if (n.isDirectory() && depth < 2) walk(path.join(d, n.name), depth + 1);
      else if (n.isFile() && /\.(crt|pem|cert|key)$/i.test(n.name)) out.push(path.join(d, n.name));
      if (out.length > 200) return;
    }
  };
  walk(dir, 0);
  return out.sort();
}

function hostOf(url: string): string | null {
  try { return new URL(url).hostname.replace(/^\[|\]$/g, ''); } catch { return null; }
}

export function diagnoseDataDir(options: DiagnoseOptions): Diagnosis {
  const facts = inspectDataDir(options.dataDir);
  // Unreadable is not corrupt: say so and stop, rather than advise replacing a healthy member.
  const denied = [facts.walError, facts.dbError, ...facts.snaps.map((s) => s.error)].find((e) => e?.code === 'io' && /permission denied/.test(e.message));
  if (denied) throw new DataDirUsageError(`${denied.message}: run as a user that may read the etcd data dir (root on k3s, RKE2, k0s and kubeadm nodes)`);
  const pkiDir = options.pkiDir ?? defaultPkiDir(facts.layout.root);
  let pki: PkiSummary | null = null;
  const extra: Finding[] = [];
  let certs: CertsReport | null = null;
  if (pkiDir) {
    const files = certFilesUnder(pkiDir);
    pki = { dir: pkiDir, certFiles: files };
    if (files.some((f) => !f.endsWith('.key'))) {
      const self = selfUrls(facts);
      try {
        certs = inspectCertificates(pkiDir, {
          now: options.now,
          serverHosts: self.clientURLs.map(hostOf).filter((h): h is string => Boolean(h)),
          peerHosts: self.peerURLs.map(hostOf).filter((h): h is string => Boolean(h)),
        });
        extra.push(...allCertFindings(certs));
      } catch (err) {
        if (!(err instanceof CertsUsageError)) throw err;
        extra.push(finding('warning', 'pki-unreadable', pkiDir, err.message, 'Pass --pki with the directory holding the etcd certificates.'));
      }
    }
  } else if (options.pkiDir === undefined || options.pkiDir === null) {
    extra.push(finding('info', 'pki-not-found', facts.layout.root, 'No certificate directory was given or found next to the data dir, so certificates were not checked.',
      'Pass --pki with the directory holding the etcd certificates (k3s/RKE2: server/tls/etcd, k0s: pki, kubeadm: /etc/kubernetes/pki/etcd).'));
  }
  const chosen = options.liveFor?.((facts.wal ?? facts.walPartial)?.clusterId ?? null);
  const verdict = classifyJoinState({ facts, pki, live: chosen ? chosen.live : options.live, liveUnavailableReason: chosen ? chosen.reason : options.liveUnavailableReason });
  const { wal, db } = facts;
  return {
    state: verdict.state,
    memberId: verdict.memberId,
    clusterId: verdict.clusterId,
    dataDir: facts.layout.root,
    findings: [...verdict.findings, ...extra].sort(bySeverity),
    details: {
      walSegments: facts.layout.walFiles.length,
      walBytesRead: wal?.bytesRead ?? 0,
      lastIndex: wal ? wal.lastIndex : null,
      lastTerm: wal ? wal.lastTerm : null,
      hardState: wal?.hardState ?? null,
      bootSnapshot: facts.bootSnapshot ? {
        file: facts.bootSnapshot.file, source: facts.bootSnapshot.source, index: facts.bootSnapshot.index, term: facts.bootSnapshot.term,
        voters: facts.bootSnapshot.confState.voters, learners: facts.bootSnapshot.confState.learners,
      } : null,
      schema: facts.schema,
      walDamage: wal?.damage ? { file: wal.damage.file, offset: wal.damage.offset, bytesBehind: wal.damage.bytesBehind, recordsBehind: wal.damage.recordsBehind } : null,
      db: db ? {
        size: db.size, consistentIndex: db.consistentIndex, clusterVersion: db.clusterVersion,
        members: db.members?.map((m) => ({ id: m.id, name: m.name, isLearner: m.isLearner })) ?? null,
        removedMembers: db.removedMembers, bytesRead: db.bytesRead,
      } : null,
      pkiDir,
      certificates: certs?.certificates.length ?? 0,
      timings: facts.timings,
    },
  };
}
