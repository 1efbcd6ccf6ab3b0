// `etcd-ops discover`: which distribution runs on this node and how to reach its etcd. Exit 0 when at least
// one connection profile was built, 1 (with the reason) when none could be.
import { discover } from '../core/discovery/discover';
import { DiscoveryResult } from '../core/discovery/types';
import { ConnectionProfile } from '../core/etcd/profile';
import { defineCommand } from './command';
import { CliIo, printJson } from './output';

/** Findings that explain an absent profile, in the order they explain it best. */
const WHY_NO_PROFILE = new Set(['no-distro-found', 'no-etcd-on-node', 'no-etcd', 'etcd-not-initialized']);

/** A profile as flags for the other commands: what an operator pastes next. */
export function profileAsFlags(p: ConnectionProfile): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return [
    `--endpoints ${q(p.endpoints.join(','))}`,
    ...(p.tls?.caFile ? [`--cacert ${q(p.tls.caFile)}`] : []),
    ...(p.tls?.certFile ? [`--cert ${q(p.tls.certFile)}`] : []),
    ...(p.tls?.keyFile ? [`--key ${q(p.tls.keyFile)}`] : []),
  ].join(' ');
}

function printText(io: CliIo, r: DiscoveryResult): void {
  if (r.distro) {
    io.out(`Distribution: ${r.distro} (${r.role})`);
    for (const d of r.detected) io.out(`  ${d.distro} ${d.role}: ${d.evidence.join(', ')}`);
  } else {
    io.out(`Distribution: none found${r.root === '/' ? '' : ` under ${r.root}`}`);
  }
  for (const p of r.profiles) {
    io.out(`\nProfile: ${p.name}`);
    io.out(`  endpoints: ${p.endpoints.join(', ')}`);
    io.out(`  CA:        ${p.tls?.caFile ?? '-'}`);
    io.out(`  cert:      ${p.tls?.certFile ?? '-'}`);
    io.out(`  key:       ${p.tls?.keyFile ?? '-'}`);
    if (p.dataDir) io.out(`  data dir:  ${p.dataDir}`);
    if (p.origin) io.out(`  from:      ${p.origin}`);
    io.out(`  use:       etcd-ops status ${profileAsFlags(p)}`);
  }
  if (r.findings.length) io.out('\nFindings:');
  for (const f of r.findings) {
    const where = f.file ? ` (${f.file.path}${f.file.line ? `:${f.file.line}` : ''})` : '';
    io.out(`  ${f.severity.toUpperCase()} ${f.code}${where}: ${f.message}\n    -> ${f.remediation}`);
  }
}

export const command = defineCommand({
  summary: 'detect k3s, RKE2, k0s or kubeadm on this node: etcd endpoints, certificates, data dir, config findings',
  synopsis: '[--root DIR] [--json]',
  description: `Detects k3s, RKE2, k0s or kubeadm on this node and prints connection profiles (every known member
endpoint, the certificate files that exist) and findings. Reads files only; connects to nothing.`,
  options: {
    root: { type: 'string', value: 'DIR', default: '/', help: 'filesystem root to read (another machine\'s disk, a container image)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
  footer: 'Exit: 0 when at least one connection profile was built, 1 (with the reason) when none could be, 2 usage error.',
  async run({ values }, io) {
    const result = discover({ root: values.root });
    if (values.json) {
      printJson(io, {
        distro: result.distro, role: result.role, root: result.root, detected: result.detected,
        profiles: result.profiles, findings: result.findings,
      });
    } else {
      printText(io, result);
    }
    if (result.profiles.length === 0) {
      const why = result.findings.find((f) => WHY_NO_PROFILE.has(f.code)) ?? result.findings.find((f) => f.severity === 'error') ?? result.findings[0];
      io.err(`etcd-ops discover: no etcd connection profile on this node${why ? ` (${why.message.replace(/\.$/, '')})` : ''}`);
      return 1;
    }
    return 0;
  },
});
