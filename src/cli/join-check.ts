// `etcd-ops join-check`: can this node join the cluster now, through which live member, what blocks it and
// what to do, for its distribution. Reads only. Exits 0 when ready, 1 when something blocks the join.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { distroFromPath } from '../core/certs/layouts';
import { discover } from '../core/discovery/discover';
import { defaultDataDir, JOIN_DISTROS, JoinDistro } from '../core/join/distro-steps';
import { JoinCheckResult, joinCheckJson } from '../core/join/join-check';
import { UsageError } from './args';
import { defineCommand } from './command';
import { CONNECTION_OPTIONS, profileFromFlags } from './connection-flags';
import { CliIo, printJson } from './output';

function peerUrls(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const urls = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (!urls.length) throw new UsageError('--peer-urls needs at least one URL (https://<this-node-ip>:2380)');
  for (const u of urls) {
    let parsed: URL | null = null;
    try { parsed = new URL(u); } catch { /* reported below */ }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || !parsed.hostname || !parsed.port || parsed.pathname !== '/') {
      throw new UsageError(`--peer-urls: "${u}" is not a peer URL (scheme://host:port, e.g. https://10.0.0.5:2380)`);
    }
  }
  return urls;
}

/**
 * The distro: as given, else from the data dir's path, else what discovery finds on this node, else plain
 * etcd. The data dir: as given, else the one discovery found, else the distro's default location.
 */
function whichDistro(given: JoinDistro | undefined, dataDir: string | undefined, root: string): { distro: JoinDistro; from: string; dataDir: string | null } {
  const fromPath = dataDir ? distroFromPath(`${path.resolve(dataDir)}/`) : null;
  const found = given || fromPath ? null : discover({ root });
  const distro: JoinDistro = given ?? fromPath ?? found?.distro ?? 'etcd';
  const from = given ? '--distro' : fromPath ? 'from the data dir\'s path' : found?.distro ? `found on this node under ${root}` : 'no distribution found: plain etcd';
  const discovered = found?.profiles.find((p) => p.dataDir)?.dataDir;
  const fallback = given || found?.distro ? path.join(root, defaultDataDir(distro)) : null;
  return { distro, from, dataDir: dataDir ?? discovered ?? fallback };
}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

function printText(io: CliIo, r: JoinCheckResult, from: string): void {
  io.out(`join-check (${r.distro}, ${from}): ${r.ready ? 'READY' : `NOT READY, ${r.blockers.length} blocker${r.blockers.length === 1 ? '' : 's'}`}`);
  if (r.target) {
    io.out(`target: ${r.target.name} ${r.target.id} ${r.target.clientURL}${r.target.joinAddress && r.target.joinAddress !== r.target.clientURL ? ` · join address ${r.target.joinAddress}` : ''}`);
    io.out(`  why: ${r.target.why}`);
  } else {
    io.out('target: none');
  }
  for (const n of r.notes) io.out(`  read: ${n}`);
  for (const b of r.blockers) io.out(`\nBLOCKER ${b.code}: ${b.message}\n  -> ${b.remediation}${b.command ? `\n  $ ${b.command}` : ''}`);
  io.out('\nSteps:');
  r.steps.forEach((s, i) => io.out(`  ${i + 1}. [${s.where}] ${s.text}${s.command ? `\n     $ ${s.command}` : ''}`));
}

export const command = defineCommand({
  summary: 'whether this node can join the cluster now, through which live member, and the steps for its distro (read-only)',
  synopsis: '[--data-dir DIR] [--distro DISTRO] [--name NAME] [--peer-urls URL,...] [options] [--json]',
  description: `Checks, without writing anything, whether a node can join: the cluster has a leader and quorum (and keeps it
for distros that add voters), no learner is pending, no stale member entry holds this node's name or peer URL, the
node's data dir and certificates do not say it must not join as is, and (k3s/RKE2) the server its config.yaml names
is alive. Names the join target: a started, healthy, caught-up voter chosen from live health, never the first
server. Then lists the steps for the distro, in order.`,
  options: {
    'data-dir': { type: 'string', value: 'DIR', help: 'this node\'s etcd data dir (default: the distro\'s, when it exists)' },
    pki: { type: 'string', value: 'DIR', help: 'this node\'s etcd certificate dir (default: next to the data dir)' },
    distro: { type: 'string', value: 'k3s|rke2|k0s|kubeadm|etcd', choices: JOIN_DISTROS, help: 'the distribution (default: from the data dir\'s path, else what is found on this node, else plain etcd)' },
    name: { type: 'string', value: 'NAME', help: 'the new member\'s name (default: from the data dir)' },
    'peer-urls': { type: 'string', value: 'URL[,URL...]', help: 'the new member\'s peer URLs (default: from the data dir)' },
    root: { type: 'string', value: 'DIR', default: '/', help: 'filesystem root this node\'s files (config.yaml, default data dir) are read under' },
    json: { type: 'boolean', help: 'print {ready, target, blockers, steps, distro} as JSON' },
    ...CONNECTION_OPTIONS,
  },
  footer: 'Exit: 0 ready to join, 1 something blocks the join (or the check failed), 2 usage error.',
  async run({ values }, io) {
    const peers = peerUrls(values['peer-urls']);
    if (values.name !== undefined && !values.name.trim()) throw new UsageError('--name must not be empty');
    if (values.pki !== undefined && !isDir(values.pki)) throw new UsageError(`--pki ${values.pki}: not a directory`);
    const profile = profileFromFlags(values);
    const { distro, from, dataDir } = whichDistro(values.distro as JoinDistro | undefined, values['data-dir'], values.root);
    // Loaded only now: the etcd client is most of the CLI's start-up cost, and usage errors come first.
    const [{ EtcdPort }, { checkJoin }] = await Promise.all([import('../core/etcd/etcd-port'), import('../core/join/join-check')]);
    const port = new EtcdPort(profile);
    try {
      const r = await checkJoin(port, {
        distro, dataDir, pkiDir: values.pki ?? null, name: values.name ?? null, peerURLs: peers, root: values.root, timeoutMs: values.timeout,
      });
      if (values.json) printJson(io, joinCheckJson(r));
      else printText(io, r, from);
      if (!r.ready) io.err(`etcd-ops join-check: not ready: ${r.blockers.map((b) => b.code).join(', ')}`);
      return r.ready ? 0 : 1;
    } finally {
      await port.close();
    }
  },
});
