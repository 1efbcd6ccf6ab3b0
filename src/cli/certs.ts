// `etcd-ops certs FILE|DIR`: validity, SANs, key match, chain and key usages of etcd's certificates, in the
// distribution's layout (k3s/RKE2 tls/etcd, k0s pki/etcd, kubeadm pki/etcd). Exits 1 when it found an error.
import { CertsReport, inspectCertificates } from '../core/certs/inspect';
import { Finding } from '../core/findings';
import { UsageError } from './args';
import { defineCommand } from './command';
import { CliIo, printJson, table } from './output';

function list(v: string | undefined): string[] {
  return v ? v.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean) : [];
}

export function certsJson(r: CertsReport) {
  return {
    target: r.target, distro: r.distro, certDir: r.certDir,
    certificates: r.certificates.map((c) => ({
      path: c.path, index: c.index, role: c.role, subject: c.subject, issuer: c.issuer, notBefore: c.notBefore,
      notAfter: c.notAfter, daysLeft: c.daysLeft, isCA: c.isCA, sans: c.sans, keyUsage: c.keyUsage,
      extendedKeyUsage: c.extendedKeyUsage, keyFile: c.keyFile, keyMatches: c.keyMatches, verifiedBy: c.verifiedBy,
      chain: c.chain, hostsChecked: c.hostsChecked, fingerprint256: c.fingerprint256, findings: c.findings,
    })),
    findings: r.findings,
  };
}

function printFinding(io: CliIo, f: Finding): void {
  io.out(`${f.severity.toUpperCase()} ${f.code} (${f.subject}): ${f.message}\n  -> ${f.remediation}${f.command ? `\n  $ ${f.command}` : ''}`);
}

/** Which certificate was checked for which names, so "No problems found" never hides a name nobody checked. */
function printHostsChecked(io: CliIo, r: CertsReport, given: string[]): void {
  const checked = r.certificates.filter((c) => c.hostsChecked.length);
  if (checked.length) {
    io.out('');
    for (const c of checked) io.out(`Names checked against ${c.path}${c.index > 1 ? `#${c.index}` : ''}: ${c.hostsChecked.join(', ')}`);
  }
  const unchecked = given.filter((h) => !checked.some((c) => c.hostsChecked.includes(h)));
  if (unchecked.length) io.out(`${checked.length ? '' : '\n'}NOTE: ${unchecked.join(', ')} checked against no certificate: none here serves for it (no serverAuth usage, or not the certificate its role needs).`);
}

function printText(io: CliIo, r: CertsReport, given: string[] = []): void {
  io.out(`${r.certDir ?? r.target}${r.distro ? ` (${r.distro} layout)` : ''}`);
  if (r.certificates.length) {
    const worst = (fs: Finding[]) => (fs.some((f) => f.severity === 'error') ? 'ERROR' : fs.some((f) => f.severity === 'warning') ? 'warning' : 'ok');
    io.out(table(['FILE', 'ROLE', 'SUBJECT', 'EXPIRES', 'DAYS', 'KEY', 'CHECK'], r.certificates.map((c) => [
      c.path + (c.index > 1 ? `#${c.index}` : ''), c.role, c.subject, c.notAfter.slice(0, 10), String(c.daysLeft),
      c.keyMatches === null ? '-' : c.keyMatches ? 'match' : 'MISMATCH', worst(c.findings),
    ])));
  }
  printHostsChecked(io, r, given);
  const findings = allFindings(r);
  if (findings.length) io.out('');
  for (const f of findings) printFinding(io, f);
  if (!findings.length) io.out('\nNo problems found.');
}

/** Every finding of the report, the certificates' own included. */
export function allFindings(r: CertsReport): Finding[] {
  return [...r.findings, ...r.certificates.flatMap((c) => c.findings)];
}

export const command = defineCommand({
  summary: 'check etcd certificates: expiry, SANs, key match, chain, key usages (k3s, RKE2, k0s, kubeadm layouts)',
  synopsis: 'FILE|DIR [--hosts H,...] [--peer-hosts H,...] [--warn-days N] [--json]',
  description: `Checks etcd certificates: expiry, SANs (in a distribution's layout, server certs must cover 127.0.0.1
and --hosts, peer certs --peer-hosts; any other certificate that can serve must cover every name given), private
key match, signature by the right CA (through intermediates), key usage and extended key usage. DIR may be a
distribution's etcd cert dir or one above it. Reads files only, never writes.`,
  positional: 'FILE|DIR',
  options: {
    hosts: { type: 'string', value: 'H,...', help: 'names and addresses clients use to reach the servers' },
    'peer-hosts': { type: 'string', value: 'H,...', help: 'names and addresses members use to reach each other' },
    'warn-days': { type: 'integer', value: 'N', min: 0, default: 30, help: 'warn for certificates that expire within N days' },
    json: { type: 'boolean', help: 'print the report as JSON' },
  },
  footer: 'Exit: 0 when nothing or only warnings were found, 1 when a finding is an error (or the files could not be read), 2 usage error.',
  async run({ values, positional }, io) {
    if (!positional) throw new UsageError('give a certificate file or directory: etcd-ops certs FILE|DIR');
    const serverHosts = list(values.hosts);
    const peerHosts = list(values['peer-hosts']);
    const report = inspectCertificates(positional, { serverHosts, peerHosts, warnDays: values['warn-days'] });
    if (values.json) printJson(io, certsJson(report));
    else printText(io, report, [...new Set([...serverHosts, ...peerHosts])]);
    const errors = allFindings(report).filter((f) => f.severity === 'error').length;
    if (errors) {
      io.err(`etcd-ops certs: ${errors} error${errors === 1 ? '' : 's'} found`);
      return 1;
    }
    return 0;
  },
});
