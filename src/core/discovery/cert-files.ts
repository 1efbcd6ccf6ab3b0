// Picks the TLS files a profile names: only files that exist, in the order each distribution prefers, and
// says so when one cannot be read or is not PEM (the connection would fail with a less helpful error).
import { TlsFiles } from '../etcd/profile';
import { Finding, finding } from '../findings';
import { NodeFs } from './node-fs';

export interface TlsCandidates {
  /** CA files, preferred first (node paths). */
  ca: string[];
  /** Client certificate/key pairs, preferred first (node paths). */
  pairs: [string, string][];
}

function check(nfs: NodeFs, nodePath: string, kind: string, findings: Finding[]): string {
  const r = nfs.readBytes(nodePath);
  if (!r.ok && r.reason === 'unreadable') {
    findings.push(finding('error', 'cert-unreadable', r.path, `The etcd ${kind} ${r.path} exists but cannot be read: ${r.detail}.`,
      'Run as root (e.g. sudo, or open the Remote-SSH session as root), or grant read access to this file.',
      { file: { path: r.path } }));
  } else if (r.ok && !r.data.includes('-----BEGIN')) {
    findings.push(finding('error', 'cert-invalid', r.path, `The etcd ${kind} ${r.path} is not a PEM file.`,
      'Restore the file from the distribution\'s certificates (it may be truncated or overwritten).',
      { file: { path: r.path } }));
  }
  return nfs.path(nodePath);
}

/** TLS files for a profile: the first existing CA and the first pair whose cert and key both exist. */
export function pickTls(nfs: NodeFs, c: TlsCandidates, subject: string, findings: Finding[]): TlsFiles | undefined {
  const ca = c.ca.find((f) => nfs.exists(f));
  const pair = c.pairs.find(([crt, key]) => nfs.exists(crt) && nfs.exists(key));
  // Only a file that was looked for and is absent is worth saying (a config that names no CA expects none).
  if (!ca && c.ca.length > 0) {
    findings.push(finding('warning', 'cert-missing', subject,
      `No etcd CA certificate found (looked for ${c.ca.map((f) => nfs.path(f)).join(', ')}).`,
      'If etcd has not been bootstrapped on this node yet this is expected; otherwise give --cacert explicitly.'));
  }
  if (!pair && c.pairs.length > 0) {
    findings.push(finding('warning', 'cert-missing', subject,
      `No etcd client certificate and key found (looked for ${c.pairs.map(([crt]) => nfs.path(crt)).join(', ')}).`,
      'etcd requires client certificates here; give --cert and --key explicitly.'));
  }
  if (!ca && !pair) return undefined;
  return {
    caFile: ca ? check(nfs, ca, 'CA certificate', findings) : undefined,
    certFile: pair ? check(nfs, pair[0], 'client certificate', findings) : undefined,
    keyFile: pair ? check(nfs, pair[1], 'client key', findings) : undefined,
  };
}
