// `etcd-ops diagnose`: what a node's etcd data dir means for joining (fresh, certs only, db without WAL,
// joined, learner, removed, another cluster's, corrupt), read-only, compared with the live cluster when
// --endpoints are given. Exits 1 when a finding is an error, 0 when only warnings or nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distroFromPath } from '../core/certs/layouts';
import { apiAddressesKey, ApiAddressProgram, checkApiAddresses } from '../core/datadir/apiaddresses';
import { bySeverity, Finding, finding } from '../core/findings';
import { Diagnosis, diagnoseDataDir } from '../core/datadir/diagnose';
import { DataDirUsageError } from '../core/datadir/layout';
import { LiveView } from '../core/datadir/join-state';
import { liveViewFromHealth } from '../core/datadir/live-view';
import { formatBytes } from '../core/format';
import { UsageError } from './args';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, ConnectionValues, hasConnectionFlags, profileFromFlags } from './connection-flags';
import { CliIo, printJson } from './output';

interface LiveResult { live: LiveView | null; reason: string | null; apiAddresses: Finding[] }

/**
 * The live view from one health refresh, or the reason there is none. For k3s/RKE2 it also reads the
 * apiaddresses key through a member that answered (absent during joins: a transient finding).
 */
async function liveView(connection: ConnectionValues, program: ApiAddressProgram | null): Promise<LiveResult> {
  if (!hasConnectionFlags(connection)) return { live: null, reason: 'no --endpoints given', apiAddresses: [] };
  const profile = profileFromFlags(connection);
  // Loaded only when asked: the etcd client is most of the CLI's start-up cost.
  const { EndpointPool, refreshCluster } = await import('../core/etcd/live-health');
  const pool = new EndpointPool(profile);
  try {
    const health = await refreshCluster(profile, { pool });
    const { live, reason } = liveViewFromHealth(health);
    if (!live) return { live, reason, apiAddresses: [] };
    const apiAddresses: Finding[] = [];
    const reachable = health.members.find((m) => m.healthy && m.endpoint)?.endpoint;
    if (program && reachable) {
      try {
        apiAddresses.push(...checkApiAddresses(program, await pool.client(reachable).getKey(apiAddressesKey(program))).findings);
      } catch (err) {
        apiAddresses.push(finding('warning', 'apiaddresses-unreadable', apiAddressesKey(program), `Could not read ${apiAddressesKey(program)}: ${(err as Error).message}.`,
          'Check that the client certificate may read the key (etcd auth), then run again.', { transient: true }));
      }
    }
    return { live, reason: null, apiAddresses };
  } finally {
    pool.close();
  }
}

export function diagnosisJson(d: Diagnosis) {
  return { state: d.state, memberId: d.memberId, clusterId: d.clusterId, dataDir: d.dataDir, findings: d.findings, details: d.details };
}

function printText(io: CliIo, d: Diagnosis): void {
  io.out(`${d.dataDir}: ${d.state.toUpperCase()}`);
  if (d.memberId || d.clusterId) io.out(`  member ${d.memberId ?? 'unknown'} · cluster ${d.clusterId ?? 'unknown'}`);
  const x = d.details;
  if (x.walSegments) {
    io.out(`  WAL: ${x.walSegments} segment(s), last index ${x.lastIndex ?? '-'} term ${x.lastTerm ?? '-'}, commit ${x.hardState?.commit ?? '-'}`
      + (x.bootSnapshot ? ` · snapshot at ${x.bootSnapshot.index}${x.bootSnapshot.source === 'wal-record' ? ' (from the WAL\'s snapshot record, as etcd 3.7 boots)' : ''}` : ''));
  }
  if (x.walDamage) io.out(`  WAL damaged at byte ${x.walDamage.offset} of ${x.walDamage.file}: ${x.walDamage.bytesBehind} bytes of written data behind it`);
  if (x.schema) io.out(`  schema: ${x.schema.version} (${x.schema.source === 'storageVersion' ? 'meta/storageVersion' : x.schema.source === 'term' ? 'meta/term present, no storageVersion' : 'no meta/term'})`);
  if (x.db) {
    const members = x.db.members?.map((m) => `${m.name || '(unstarted)'} ${m.id}${m.isLearner ? ' learner' : ''}`).join(', ') ?? 'none';
    io.out(`  db: ${formatBytes(x.db.size)}, applied index ${x.db.consistentIndex ?? '-'}, members: ${members}${x.db.removedMembers.length ? `, removed: ${x.db.removedMembers.join(', ')}` : ''}`);
  }
  if (x.pkiDir) io.out(`  certificates: ${x.certificates} checked in ${x.pkiDir}`);
  for (const f of d.findings) {
    io.out(`\n${f.severity.toUpperCase()}${f.transient ? ' (transient)' : ''} ${f.code}: ${f.message}\n  -> ${f.remediation}${f.command ? `\n  $ ${f.command}` : ''}`);
  }
}

export const command = defineCommand({
  summary: 'join state of a node\'s etcd data dir (read-only), with certificates and the live cluster',
  synopsis: '--data-dir DIR [--pki DIR] [--distro k3s|rke2|k0s|kubeadm] [connection options] [--json]',
  description: `Reads an etcd data dir without writing or locking it (a running member's too) and says whether the
node is fresh, has certificates only, has a db without WAL, joined, is a learner, was removed, belongs to another
cluster, or is corrupt, with what to do next. --endpoints compares it with the live cluster (and, for k3s/RKE2,
reads <distro>/apiaddresses). The distro is taken from the path unless --distro says.`,
  positional: 'DIR',
  options: {
    'data-dir': { type: 'string', value: 'DIR', help: 'the etcd data dir (the one holding member/), e.g. /var/lib/etcd; may also be given alone, without the flag' },
    pki: { type: 'string', value: 'DIR', help: 'the node\'s etcd certificate dir, checked with the data dir' },
    distro: { type: 'string', value: 'k3s|rke2|k0s|kubeadm', choices: ['k3s', 'rke2', 'k0s', 'kubeadm'], help: 'the distribution, when the path does not tell' },
    json: { type: 'boolean', help: 'print the diagnosis as JSON' },
    ...CONNECTION_OPTIONS,
  },
  footer: `Connection options are optional here: without --endpoints (or $ETCDCTL_ENDPOINTS) the data dir alone decides.

Exit: 0 when nothing or only warnings were found, 1 when a finding is an error (removed, another cluster's,
corrupt, ...) or the dir could not be read, 2 usage error.`,
  async run({ values, positional }, io) {
    if (values['data-dir'] !== undefined && positional !== undefined) throw new UsageError(`give the data dir once: --data-dir ${values['data-dir']} or ${positional}, not both`);
    const dataDir = values['data-dir'] ?? positional;
    if (!dataDir) throw new UsageError('--data-dir DIR is required (the etcd data dir, e.g. /var/lib/rancher/k3s/server/db/etcd)');
    const pkiDir = values.pki;
    if (pkiDir !== undefined) {
      let ok = false;
      try { ok = fs.statSync(pkiDir).isDirectory(); } catch { /* reported below */ }
      if (!ok) throw new DataDirUsageError(`--pki ${pkiDir}: not a directory`);
    }
    // Check the dir before asking the cluster, so a typo fails in a line without waiting for the network.
    try {
      if (!fs.statSync(dataDir).isDirectory()) throw new DataDirUsageError(`${dataDir}: not a directory`);
    } catch (err) {
      if (err instanceof DataDirUsageError) throw err;
      throw new DataDirUsageError(`${dataDir}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
    }
    const distro = values.distro ?? distroFromPath(`${path.resolve(dataDir)}/`);
    const program = distro === 'k3s' || distro === 'rke2' ? distro : null;
    const { live, reason, apiAddresses } = await liveView(values, program);
    const d = diagnoseDataDir({ dataDir, pkiDir: pkiDir ?? null, live, liveUnavailableReason: reason });
    d.findings = [...d.findings, ...apiAddresses].sort(bySeverity);
    if (values.json) printJson(io, diagnosisJson(d));
    else printText(io, d);
    const errors = d.findings.filter((f) => f.severity === 'error');
    if (errors.length) {
      io.err(`etcd-ops diagnose: ${d.state}: ${errors.length} error${errors.length === 1 ? '' : 's'} found (${errors.map((f) => f.code).join(', ')})`);
      return 1;
    }
    return 0;
  },
});
