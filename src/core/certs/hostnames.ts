// Whether a certificate covers a host name the way Go's crypto/x509 decides it, since etcd, etcdctl and the
// kube-apiserver are Go: IP addresses only against IP SANs; DNS names only against DNS SANs (never the CN),
// case-insensitively; a wildcard only as a whole leftmost label "*", matching exactly one label. OpenSSL
// (node's checkHost) differs both ways: it accepts "f*.example.com" and refuses "*.test".
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import { dnsNamesOf } from './der';

const LABEL_CHAR = /^[a-z0-9_-]$/i;

/** A syntactically valid host name, or pattern (leftmost label may be exactly "*"); a bare "*" is neither. */
export function validHostname(name: string, pattern: boolean): boolean {
  const host = pattern ? name : name.replace(/\.$/, '');
  if (!host || host === '*') return false;
  return host.split('.').every((label, i) => {
    if (pattern && i === 0 && label === '*') return true;
    if (!label) return false;
    return [...label].every((c, j) => LABEL_CHAR.test(c) && !(c === '-' && j === 0));
  });
}

/** Does a DNS SAN pattern match a host (both already valid)? */
export function patternMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().split('.');
  const h = host.toLowerCase().replace(/\.$/, '').split('.');
  return p.length === h.length && p.every((label, i) => (i === 0 && label === '*') || label === h[i]);
}

export function coversHost(cert: X509Certificate, host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (net.isIP(h)) return cert.checkIP(h) !== undefined;
  const valid = validHostname(h, false);
  // A name or pattern outside host-name syntax ("f*.example.com") only ever matches itself, exactly.
  return (dnsNamesOf(cert.raw) ?? []).some((san) => (valid && validHostname(san, true) ? patternMatches(san, h) : san.toLowerCase() === h.toLowerCase()));
}
