// Test-only: etcd certificate layouts of k3s/RKE2, k0s and kubeadm, issued by the real openssl CLI with
// the flaws each test needs (wrong CA, missing SAN, missing EKU, CA without keyCertSign).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function openssl(args: string[], cwd: string, input?: string): void {
  execFileSync('openssl', args, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'], input });
}

export function makeCa(dir: string, name: string, cn: string, keyUsage = 'critical,keyCertSign,cRLSign'): void {
  fs.mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`,
    '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', `keyUsage=${keyUsage}`], dir);
}

export interface LeafOptions {
  ca: string;
  /** e.g. 'IP:127.0.0.1,DNS:localhost'; empty for none. */
  san?: string;
  eku?: string;
  days?: number;
  /** Directory of the CA files when not `dir`. */
  caDir?: string;
}

export function makeLeaf(dir: string, name: string, cn: string, o: LeafOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  const ext = [`keyUsage=critical,digitalSignature,keyEncipherment`, `extendedKeyUsage=${o.eku ?? 'serverAuth,clientAuth'}`];
  if (o.san) ext.push(`subjectAltName=${o.san}`);
  const extFile = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extFile, `${ext.join('\n')}\n`);
  const caDir = o.caDir ?? dir;
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', path.join(caDir, `${o.ca}.crt`), '-CAkey', path.join(caDir, `${o.ca}.key`),
    '-CAcreateserial', '-out', `${name}.crt`, '-days', String(o.days ?? 365), '-extfile', extFile], dir);
  for (const f of [`${name}.csr`, `${name}.ext`]) fs.rmSync(path.join(dir, f));
  fs.chmodSync(path.join(dir, `${name}.key`), 0o600);
  for (const srl of fs.readdirSync(caDir).filter((n) => n.endsWith('.srl'))) fs.rmSync(path.join(caDir, srl));
}

/** A CA signed by another CA (`ca` in `caDir`, default `dir`): an intermediate. */
export function makeIntermediate(dir: string, name: string, cn: string, o: { ca: string; caDir?: string; keyUsage?: string }): void {
  fs.mkdirSync(dir, { recursive: true });
  const extFile = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extFile, `basicConstraints=critical,CA:TRUE\nkeyUsage=${o.keyUsage ?? 'critical,keyCertSign,cRLSign'}\n`);
  const caDir = o.caDir ?? dir;
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', path.join(caDir, `${o.ca}.crt`), '-CAkey', path.join(caDir, `${o.ca}.key`),
    '-CAcreateserial', '-out', `${name}.crt`, '-days', '1000', '-extfile', extFile], dir);
  for (const f of [`${name}.csr`, `${name}.ext`]) fs.rmSync(path.join(dir, f));
  for (const srl of fs.readdirSync(caDir).filter((n) => n.endsWith('.srl'))) fs.rmSync(path.join(caDir, srl));
}

/** server/tls/etcd as k3s writes it; `flaws` changes single files. */
export function makeK3sLayout(dir: string, flaws: { peerSignedByServerCa?: boolean; serverSan?: string; peerEku?: string } = {}): string {
  makeCa(dir, 'server-ca', 'etcd-server-ca');
  makeCa(dir, 'peer-ca', 'etcd-peer-ca');
  makeLeaf(dir, 'server-client', 'etcd-server', { ca: 'server-ca', san: flaws.serverSan ?? 'DNS:localhost,IP:127.0.0.1,IP:10.0.0.5' });
  makeLeaf(dir, 'peer-server-client', 'etcd-peer', { ca: flaws.peerSignedByServerCa ? 'server-ca' : 'peer-ca', san: 'DNS:localhost,IP:127.0.0.1,IP:10.0.0.5', eku: flaws.peerEku });
  makeLeaf(dir, 'client', 'etcd-client', { ca: 'server-ca', eku: 'clientAuth' });
  return dir;
}

/** /etc/kubernetes/pki/etcd as kubeadm writes it (apiserver-etcd-client one level up). */
export function makeKubeadmLayout(pki: string): string {
  const dir = path.join(pki, 'etcd');
  makeCa(dir, 'ca', 'etcd-ca');
  makeLeaf(dir, 'server', 'node1', { ca: 'ca', san: 'DNS:node1,DNS:localhost,IP:10.0.0.5,IP:127.0.0.1,IP:0:0:0:0:0:0:0:1' });
  makeLeaf(dir, 'peer', 'node1', { ca: 'ca', san: 'DNS:node1,DNS:localhost,IP:10.0.0.5,IP:127.0.0.1' });
  makeLeaf(dir, 'healthcheck-client', 'kube-etcd-healthcheck-client', { ca: 'ca', eku: 'clientAuth' });
  makeLeaf(pki, 'apiserver-etcd-client', 'kube-apiserver-etcd-client', { ca: 'ca', caDir: dir, eku: 'clientAuth' });
  return dir;
}

/** /var/lib/k0s/pki/etcd as k0s writes it. */
export function makeK0sLayout(pki: string): string {
  const dir = path.join(pki, 'etcd');
  makeCa(dir, 'ca', 'etcd-ca');
  makeLeaf(dir, 'server', 'etcd-server', { ca: 'ca', san: 'DNS:localhost,IP:127.0.0.1' });
  makeLeaf(dir, 'peer', 'etcd-peer', { ca: 'ca', san: 'IP:10.0.0.5' });
  makeLeaf(pki, 'apiserver-etcd-client', 'apiserver-etcd-client', { ca: 'ca', caDir: dir, eku: 'clientAuth' });
  return dir;
}
