// Inspects etcd's certificates the way an operator would with openssl, but all at once: validity, SANs
// against the member's URLs, key/cert match, chain to the right CA, key usage and extended key usage,
// per distribution layout. Every problem becomes a Finding with a remediation; nothing here throws for
// bad certificate bytes (CertFileError is caught and reported).
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Finding, finding } from '../findings';
import { shellQuote } from '../format';
import { basicConstraintsCA, keyUsageOf } from './der';
import { coversHost } from './hostnames';
import { CERT_DIR_CANDIDATES, CertLayout, CertRole, detectLayout, Distro, distroFromPath, ExpectedCert, missingAdvice, renewAdvice, requiredFiles } from './layouts';
import { CertFileError, parseCertificates, parsePrivateKey, readBoundedFile } from './pem';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
const DAY_MS = 24 * 3600 * 1000;
/** Intermediates between a leaf and its CA, at most (real etcd PKIs have zero or one). */
const MAX_INTERMEDIATES = 8;

export interface CertCheckOptions {
  now?: Date;
  /** Warn when a certificate expires within this many days (default 30). */
  warnDays?: number;
  /**
   * Hosts the client-facing server certificate must cover (the member's client URL hosts); 127.0.0.1 always is.
   * A certificate whose role is only guessed (no known layout) and that can serve is checked against these and peerHosts.
   */
  serverHosts?: string[];
  /** Hosts the peer certificate must cover (the member's peer URL hosts). */
  peerHosts?: string[];
}

export interface CertificateReport {
  path: string;
  /** Position in a bundle file, 1-based; 1 for single-certificate files. */
  index: number;
  role: CertRole;
  subject: string;
  issuer: string;
  serialNumber: string;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  daysLeft: number;
  isCA: boolean;
  sans: string[];
  keyUsage: string[] | null;
  extendedKeyUsage: string[] | null;
  keyFile: string | null;
  keyMatches: boolean | null;
  /** CA file that verified the signature (through the intermediates in `chain`), null when none did or none was checked. */
  verifiedBy: string | null;
  /** Subjects of the intermediates between this certificate and verifiedBy, nearest first. */
  chain: string[];
  /** Host names and IPs this certificate was checked to cover. */
  hostsChecked: string[];
  findings: Finding[];
}

export interface CertsReport {
  target: string;
  distro: Distro | null;
  /** Directory the layout was recognised in, null for a single file of no known layout. */
  certDir: string | null;
  certificates: CertificateReport[];
  /** Findings about the set (missing or unreadable files); per-certificate ones are on each certificate. */
  findings: Finding[];
}

/** The target does not exist or is neither file nor directory: nothing to inspect. */
export class CertsUsageError extends Error {}

function isDir(p: string): boolean {
  try { return fs.statSync(p).isDirectory(); } catch { return false; }
}

function listNames(dir: string): Set<string> {
  try { return new Set(fs.readdirSync(dir)); } catch { return new Set(); }
}

const CERT_FILE = /\.(crt|pem|cert)$/i;

interface Located { layout: CertLayout | null; dir: string; files: { file: string; expected: ExpectedCert | null }[] }

function locate(target: string): Located {
  let st: fs.Stats;
  try {
    st = fs.statSync(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CertsUsageError(`${target}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (st.isFile()) {
    const dir = path.dirname(target);
    const layout = detectLayout(dir, listNames(dir));
    const expected = layout?.expected.find((e) => path.resolve(dir, e.file) === path.resolve(target)) ?? null;
    return { layout, dir, files: [{ file: target, expected }] };
  }
  if (!st.isDirectory()) throw new CertsUsageError(`${target}: not a file or directory`);
  for (const cand of CERT_DIR_CANDIDATES) {
    const dir = path.join(target, cand);
    if (!isDir(dir)) continue;
    const names = listNames(dir);
    const layout = detectLayout(dir, names);
    if (!layout) continue;
    const files: Located['files'] = [];
    for (const e of layout.expected) {
      const file = path.join(dir, e.file);
      if (fs.existsSync(file)) files.push({ file, expected: e });
    }
    const known = new Set(files.map((f) => path.resolve(f.file)));
    for (const n of [...names].sort()) {
      const file = path.join(dir, n);
      if (CERT_FILE.test(n) && !known.has(path.resolve(file))) files.push({ file, expected: null });
    }
    return { layout, dir, files };
  }
  const names = [...listNames(target)].filter((n) => CERT_FILE.test(n)).sort();
  return { layout: null, dir: target, files: names.map((n) => ({ file: path.join(target, n), expected: null })) };
}

function keyFileFor(certFile: string): string {
  return certFile.replace(/\.(crt|pem|cert)$/i, '') + '.key';
}

function oneLine(dn: string): string {
  return dn.split('\n').filter(Boolean).join(', ');
}

function isCa(cert: X509Certificate): boolean {
  return basicConstraintsCA(cert.raw) ?? cert.ca;
}

function guessRole(cert: X509Certificate): CertRole {
  if (isCa(cert)) return 'ca';
  const eku = cert.keyUsage;
  if (!eku) return 'unknown';
  const server = eku.includes(SERVER_AUTH);
  const client = eku.includes(CLIENT_AUTH);
  if (server && client) return 'peer';
  if (server) return 'server';
  if (client) return 'client';
  return 'unknown';
}

interface LoadedCa { file: string; cert: X509Certificate }

function verifies(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

const selfSigned = (c: LoadedCa) => verifies(c.cert, c.cert);
/** A CA may issue when its KeyUsage (if any) has keyCertSign, as Go's verifier requires of intermediates. */
const mayIssue = (c: LoadedCa) => { const ku = keyUsageOf(c.cert.raw); return !ku || ku.includes('keyCertSign'); };

/**
 * The path from a certificate up to a CA `isAnchor` accepts, through the CAs found (other files, and the
 * certificate's own bundle): [intermediates..., anchor], or null. Bounded in depth, never loops.
 */
function chainTo(cert: X509Certificate, cas: LoadedCa[], isAnchor: (c: LoadedCa) => boolean,
  seen: Set<string> = new Set(), deadEnds: Set<string> = new Set()): LoadedCa[] | null {
  if (seen.size > MAX_INTERMEDIATES) return null;
  for (const ca of cas) {
    const fp = ca.cert.fingerprint256;
    if (seen.has(fp) || deadEnds.has(fp) || fp === cert.fingerprint256 || !verifies(cert, ca.cert)) continue;
    if (isAnchor(ca)) return [ca];
    if (selfSigned(ca) || !mayIssue(ca)) continue;
    const rest = chainTo(ca.cert, cas, isAnchor, new Set([...seen, fp]), deadEnds);
    if (rest) return [ca, ...rest];
    // Crafted directories of cross-signed CAs must not make the search explode: a CA that led nowhere once is not tried again.
    deadEnds.add(fp);
  }
  return null;
}

/** Can serve TLS: serverAuth, anyExtendedKeyUsage, or no EKU at all (which Go reads as any use). */
function canServe(cert: X509Certificate): boolean {
  const eku = cert.keyUsage;
  return !eku || eku.includes(SERVER_AUTH) || eku.includes(ANY_EKU);
}

/**
 * Which names a certificate must cover. Where the layout says what a file is for, the names of that use (the
 * client-facing server certificate: 127.0.0.1 and serverHosts; the peer one: peerHosts). Where the role is only
 * guessed from its usages (kubeadm issues server certificates with clientAuth too, so they look like peer ones),
 * every name given, against every certificate that can serve.
 */
function hostsFor(cert: X509Certificate, role: CertRole, known: boolean, options: CertCheckOptions): string[] {
  const server = options.serverHosts ?? [];
  const peer = options.peerHosts ?? [];
  if (role === 'ca') return [];
  if (known) return role === 'server' ? ['127.0.0.1', ...server] : role === 'peer' ? [...peer] : [];
  if (!canServe(cert)) return [];
  return [...new Set([...(role === 'server' ? ['127.0.0.1'] : []), ...server, ...peer])];
}

export function inspectCertificates(target: string, options: CertCheckOptions = {}): CertsReport {
  const now = options.now ?? new Date();
  const warnDays = options.warnDays ?? 30;
  const located = locate(target);
  const distro = located.layout?.distro ?? distroFromPath(path.resolve(target) + '/');
  const report: CertsReport = { target, distro, certDir: located.layout ? located.layout.dir : null, certificates: [], findings: [] };

  if (located.layout) {
    for (const e of requiredFiles(located.layout)) {
      const file = path.join(located.layout.dir, e.file);
      if (located.files.some((f) => path.resolve(f.file) === path.resolve(file))) continue;
      const [advice, command] = missingAdvice(distro, e);
      report.findings.push(finding('error', 'cert-missing', file, `${located.layout.distro} keeps its etcd ${e.role} certificate in ${e.file}, but the file is missing.`,
        `Restore it from a backup, or: ${advice}`, { file: { path: file }, command }));
    }
  }
  if (!located.files.length) {
    report.findings.push(finding('warning', 'no-certificates', target, `No certificate files (*.crt, *.pem) found in ${target}.`,
      'Point at the directory holding the etcd certificates (k3s/RKE2: server/tls/etcd, k0s: pki/etcd, kubeadm: /etc/kubernetes/pki/etcd).'));
    return report;
  }

  // Load everything first: chains need the CAs before leaves are checked.
  const loaded: { file: string; expected: ExpectedCert | null; certs: X509Certificate[] }[] = [];
  for (const f of located.files) {
    try {
      loaded.push({ ...f, certs: parseCertificates(readBoundedFile(f.file), f.file) });
    } catch (err) {
      if (!(err instanceof CertFileError)) throw err;
      report.findings.push(finding('error', 'cert-unreadable', f.file, err.message,
        'Replace the file with the PEM certificate etcd was configured with (compare with a healthy member).', { file: { path: f.file } }));
    }
  }
  const cas: LoadedCa[] = loaded.flatMap((l) => l.certs.filter(isCa).map((cert) => ({ file: l.file, cert })));

  for (const l of loaded) {
    l.certs.forEach((cert, i) => {
      report.certificates.push(checkCertificate(cert, i + 1, l.file, l.expected, cas, located, distro, now, warnDays, options));
    });
  }
  return report;
}

function checkCertificate(cert: X509Certificate, index: number, file: string, expected: ExpectedCert | null, cas: LoadedCa[],
  located: Located, distro: Distro | null, now: Date, warnDays: number, options: CertCheckOptions): CertificateReport {
  const known = index === 1 && expected !== null;
  const role: CertRole = known ? expected!.role : guessRole(cert);
  const findings: Finding[] = [];
  const [advice, command] = renewAdvice(distro, role, file, expected?.kubeadmName);
  const add = (severity: Finding['severity'], code: string, message: string, remediation: string, cmd?: string) =>
    findings.push(finding(severity, code, file, message, remediation, { file: { path: file }, ...(cmd ? { command: cmd } : {}) }));

  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  const daysLeft = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const label = `${role === 'unknown' ? 'certificate' : `${role} certificate`} "${oneLine(cert.subject)}"`;
  if (notAfter.getTime() <= now.getTime()) {
    add('error', 'cert-expired', `The ${label} expired on ${notAfter.toISOString()}: etcd and its clients reject it.`, advice, command);
  } else if (notBefore.getTime() > now.getTime()) {
    add('error', 'cert-not-yet-valid', `The ${label} is valid only from ${notBefore.toISOString()}: this host's clock is behind, or the certificate was issued with a future date.`,
      'Check the clock (timedatectl; NTP) on this node and on the node that issued the certificate.');
  } else if (daysLeft < warnDays) {
    add('warning', 'cert-expiring', `The ${label} expires in ${daysLeft} day(s), on ${notAfter.toISOString()}.`, advice, command);
  }

  const eku = cert.keyUsage ?? null;
  const ku = keyUsageOf(cert.raw);
  const hasEku = (oid: string) => !eku || eku.includes(oid) || eku.includes(ANY_EKU);
  if (role === 'ca') {
    if (!isCa(cert)) add('error', 'ca-not-ca', `${file} is used as the etcd CA but has no basicConstraints CA:TRUE.`, 'Use the real CA certificate (the issuer of the member certificates).');
    if (ku && !ku.includes('keyCertSign')) add('error', 'ca-no-keycertsign', `The CA "${oneLine(cert.subject)}" may not sign certificates (KeyUsage lacks keyCertSign).`, 'Re-create the CA with keyUsage=keyCertSign,cRLSign.');
  } else {
    if (isCa(cert) && role !== 'unknown') add('warning', 'leaf-is-ca', `The ${label} is itself a CA certificate.`, 'Use a leaf certificate signed by the etcd CA for members and clients.');
    if ((role === 'server' || role === 'peer') && !hasEku(SERVER_AUTH)) {
      add('error', 'eku-missing-server-auth', `The ${label} lacks the serverAuth extended key usage: TLS clients (Go, etcdctl) refuse it as a server certificate.`, advice, command);
    }
    if ((role === 'peer' || role === 'client') && !hasEku(CLIENT_AUTH)) {
      add('error', 'eku-missing-client-auth', `The ${label} lacks the clientAuth extended key usage: etcd rejects it as a client certificate.`, advice, command);
    }
    if (role === 'server' && !hasEku(CLIENT_AUTH)) {
      add('warning', 'eku-server-without-client-auth', `The ${label} lacks clientAuth: with client certificate auth on, etcd's own gRPC gateway connects with this certificate and fails.`, advice, command);
    }
    if (ku && ku.length && !ku.includes('digitalSignature')) {
      add('warning', 'ku-no-digital-signature', `The ${label} has KeyUsage without digitalSignature: TLS with ECDSA/RSA-PSS keys needs it, and OpenSSL-based clients refuse it.`, advice, command);
    }
  }
  const hostsChecked = isCa(cert) && !known ? [] : [...new Set(hostsFor(cert, role, known, options))];
  for (const host of hostsChecked) {
    if (!coversHost(cert, host)) {
      add('error', 'san-missing', `The ${label} does not cover ${host} (SANs: ${cert.subjectAltName ?? 'none'}): connections to ${host} fail verification.`,
        `Re-issue it with ${host} in its subject alternative names (a wildcard covers one whole leftmost label only). ${advice}`, command);
    }
  }

  // Key next to the certificate.
  const keyFile = keyFileFor(file);
  let keyMatches: boolean | null = null;
  let keyFound: string | null = null;
  if (index === 1 && fs.existsSync(keyFile)) {
    keyFound = keyFile;
    try {
      keyMatches = cert.checkPrivateKey(parsePrivateKey(readBoundedFile(keyFile), keyFile));
      if (!keyMatches) add('error', 'key-mismatch', `${path.basename(keyFile)} is not the private key of ${path.basename(file)}: TLS handshakes with this pair fail.`, `Put back the key issued with this certificate, or issue a new pair. ${advice}`, command);
    } catch (err) {
      if (!(err instanceof CertFileError)) throw err;
      add(err.code === 'encrypted-key' ? 'warning' : 'error', 'key-unreadable', err.message, 'Replace it with the unencrypted PEM private key issued with this certificate.');
    }
    try {
      const mode = fs.statSync(keyFile).mode & 0o777;
      if (mode & 0o077) {
        findings.push(finding('warning', 'key-permissions', keyFile, `${keyFile} is readable by group or others (mode ${mode.toString(8)}).`,
          'Restrict the private key to its owner.', { file: { path: keyFile }, command: `chmod 600 ${shellQuote(keyFile)}` }));
      }
    } catch { /* vanished between checks; nothing to say */ }
  } else if (index === 1 && role !== 'ca' && role !== 'unknown') {
    add('warning', 'key-missing', `No private key ${path.basename(keyFile)} next to ${path.basename(file)}.`, 'Etcd needs the key beside its certificate; restore it or issue a new pair.');
  }

  // Chain: the CA the layout says, else any CA found beside it; through intermediates either way.
  let verifiedBy: string | null = null;
  let chain: LoadedCa[] = [];
  const sameFile = (f: string) => (c: LoadedCa) => path.resolve(c.file) === path.resolve(f);
  const topmost = (c: LoadedCa) => selfSigned(c) || !cas.some((o) => o !== c && mayIssue(o) && verifies(c.cert, o.cert));
  if (role === 'ca' || (isCa(cert) && !expected)) {
    if (verifies(cert, cert)) verifiedBy = file;
    else {
      const up = chainTo(cert, cas, topmost);
      if (up) { verifiedBy = up[up.length - 1].file; chain = up.slice(0, -1); }
    }
  } else {
    const want = expected?.issuer && located.layout ? path.resolve(located.layout.dir, expected.issuer) : null;
    const wanted = want ? cas.find(sameFile(want)) : undefined;
    if (wanted) {
      const up = chainTo(cert, cas, sameFile(wanted.file));
      if (up) { verifiedBy = wanted.file; chain = up.slice(0, -1); }
      else {
        const other = chainTo(cert, cas, topmost)?.pop();
        add('error', 'cert-wrong-ca', `The ${label} is not signed by ${path.basename(wanted.file)} ("${oneLine(wanted.cert.subject)}")${other ? ` but by ${path.basename(other.file)}` : ''}: peers and clients trusting ${path.basename(wanted.file)} reject it.`,
          `Issue it from ${path.basename(wanted.file)} (or from an intermediate it signed, shipped in the certificate file after the certificate). ${advice}`, command);
      }
    } else {
      const up = chainTo(cert, cas, topmost);
      if (up) { verifiedBy = up[up.length - 1].file; chain = up.slice(0, -1); }
      else if (cas.length) {
        add('error', 'cert-chain-broken', `The ${label} (issuer "${oneLine(cert.issuer)}") is not signed by any CA found beside it.`, `Use the CA that issued it, or issue it from the etcd CA. ${advice}`, command);
      }
    }
  }

  return {
    path: file, index, role, subject: oneLine(cert.subject), issuer: oneLine(cert.issuer), serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256, notBefore: notBefore.toISOString(), notAfter: notAfter.toISOString(), daysLeft,
    isCA: isCa(cert), sans: cert.subjectAltName ? cert.subjectAltName.split(', ') : [], keyUsage: ku, extendedKeyUsage: eku,
    keyFile: keyFound, keyMatches, verifiedBy, chain: chain.map((c) => oneLine(c.cert.subject)), hostsChecked, findings,
  };
}

/** All findings of a report, set-level first. */
export function allCertFindings(report: CertsReport): Finding[] {
  return [...report.findings, ...report.certificates.flatMap((c) => c.findings)];
}
