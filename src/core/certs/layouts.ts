// Where each distribution keeps etcd's certificates, what each file is for, and how an operator renews
// it there. Roles decide which checks apply: a server cert must serve, a peer cert must serve and connect.
import * as path from 'node:path';

export type Distro = 'k3s' | 'rke2' | 'k0s' | 'kubeadm';
export type CertRole = 'ca' | 'server' | 'peer' | 'client' | 'unknown';

export interface ExpectedCert {
  /** File name relative to the layout's etcd cert dir. */
  file: string;
  role: CertRole;
  /** File name of the CA that must have signed it. */
  issuer: string | null;
  /** kubeadm `certs renew` name, when there is one. */
  kubeadmName?: string;
}

export interface CertLayout {
  distro: Distro;
  /** The directory holding the etcd certs. */
  dir: string;
  expected: ExpectedCert[];
}

const K3S_FAMILY: ExpectedCert[] = [
  { file: 'server-ca.crt', role: 'ca', issuer: null },
  { file: 'peer-ca.crt', role: 'ca', issuer: null },
  { file: 'server-client.crt', role: 'server', issuer: 'server-ca.crt' },
  { file: 'peer-server-client.crt', role: 'peer', issuer: 'peer-ca.crt' },
  { file: 'client.crt', role: 'client', issuer: 'server-ca.crt' },
];

const K0S: ExpectedCert[] = [
  { file: 'ca.crt', role: 'ca', issuer: null },
  { file: 'server.crt', role: 'server', issuer: 'ca.crt' },
  { file: 'peer.crt', role: 'peer', issuer: 'ca.crt' },
  // k0s keeps the API server's etcd client cert one level up, in pki/.
  { file: '../apiserver-etcd-client.crt', role: 'client', issuer: 'ca.crt' },
];

const KUBEADM: ExpectedCert[] = [
  { file: 'ca.crt', role: 'ca', issuer: null },
  { file: 'server.crt', role: 'server', issuer: 'ca.crt', kubeadmName: 'etcd-server' },
  { file: 'peer.crt', role: 'peer', issuer: 'ca.crt', kubeadmName: 'etcd-peer' },
  { file: 'healthcheck-client.crt', role: 'client', issuer: 'ca.crt', kubeadmName: 'etcd-healthcheck-client' },
  { file: '../apiserver-etcd-client.crt', role: 'client', issuer: 'ca.crt', kubeadmName: 'apiserver-etcd-client' },
];

/** Files that must exist for the layout to count as present (the optional client certs aside). */
export function requiredFiles(layout: CertLayout): ExpectedCert[] {
  return layout.expected.filter((e) => !e.file.startsWith('../'));
}

/** Which distro a path belongs to, from the well-known install locations. */
export function distroFromPath(p: string): Distro | null {
  const s = p.replace(/\\/g, '/');
  if (s.includes('/rancher/rke2/')) return 'rke2';
  if (s.includes('/rancher/k3s/')) return 'k3s';
  if (s.includes('/k0s/')) return 'k0s';
  if (s.startsWith('/etc/kubernetes/') || s.startsWith('/var/lib/etcd')) return 'kubeadm';
  return null;
}

/** Recognises a distro's etcd cert dir from the names in it; `names` are the dir's entries. */
export function detectLayout(dir: string, names: Set<string>): CertLayout | null {
  const hint = distroFromPath(path.resolve(dir) + '/');
  if (names.has('server-ca.crt') && names.has('peer-ca.crt')) {
    return { distro: hint === 'rke2' ? 'rke2' : 'k3s', dir, expected: K3S_FAMILY };
  }
  if (names.has('ca.crt') && (names.has('server.crt') || names.has('peer.crt'))) {
    // k0s and kubeadm share names; kubeadm adds healthcheck-client. Without that or a path hint it is neither.
    if (hint !== 'k0s' && (names.has('healthcheck-client.crt') || hint === 'kubeadm')) return { distro: 'kubeadm', dir, expected: KUBEADM };
    if (hint === 'k0s' || (names.has('server.crt') && names.has('peer.crt'))) return { distro: 'k0s', dir, expected: K0S };
  }
  return null;
}

/** Subdirectories where a distro keeps etcd certs, tried below whatever directory the user named. */
export const CERT_DIR_CANDIDATES = ['.', 'etcd', 'tls/etcd', 'pki/etcd', 'server/tls/etcd'];

/** How to get a fresh leaf certificate on this distro, as [words, shell command or undefined]. */
export function renewAdvice(distro: Distro | null, role: CertRole, file: string, kubeadmName?: string): [string, string | undefined] {
  if (role === 'ca') {
    return ['A CA is not renewed automatically by any distribution: plan a CA rotation (new CA, re-issue every etcd certificate, restart members one by one) following the distribution\'s CA rotation guide.', undefined];
  }
  switch (distro) {
    case 'k3s':
      return ['Rotate the etcd certificates with k3s (it also renews certificates close to expiry every time it starts).',
        'systemctl stop k3s && k3s certificate rotate --service etcd && systemctl start k3s'];
    case 'rke2':
      return ['Rotate the etcd certificates with RKE2 (it also renews certificates close to expiry when it starts).',
        'systemctl stop rke2-server && rke2 certificate rotate --service etcd && systemctl start rke2-server'];
    case 'kubeadm':
      return [`Renew it with kubeadm, then restart the etcd static pod (move /etc/kubernetes/manifests/etcd.yaml out and back) so etcd loads it.`,
        kubeadmName ? `kubeadm certs renew ${kubeadmName}` : 'kubeadm certs renew all'];
    case 'k0s':
      return [`Move ${path.basename(file)} and its key aside and restart the k0s controller: k0s issues missing etcd certificates from its etcd CA when it starts.`,
        'systemctl restart k0scontroller'];
    default:
      return ['Re-issue the certificate from the etcd CA with the same subject, SANs and extended key usages, then restart etcd.', undefined];
  }
}

/** What to do when a file the layout needs is missing: each distribution recreates its own. */
export function missingAdvice(distro: Distro | null, e: ExpectedCert): [string, string | undefined] {
  if (e.role === 'ca') return ['A missing CA cannot be recreated without re-issuing every certificate: copy ca.crt (and ca.key) from another control-plane node.', undefined];
  switch (distro) {
    case 'k3s': return ['k3s writes missing certificates from its CA when it starts: restart it.', 'systemctl restart k3s'];
    case 'rke2': return ['RKE2 writes missing certificates from its CA when it starts: restart it.', 'systemctl restart rke2-server'];
    case 'k0s': return ['k0s issues missing etcd certificates from its etcd CA when the controller starts: restart it.', 'systemctl restart k0scontroller'];
    case 'kubeadm': return ['kubeadm creates a missing certificate from the etcd CA.', e.kubeadmName ? `kubeadm init phase certs ${e.kubeadmName}` : undefined];
    default: return ['Issue it again from the etcd CA.', undefined];
  }
}
