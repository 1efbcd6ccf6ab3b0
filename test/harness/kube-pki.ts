// A Kubernetes PKI made with openssl at test time: cluster CA, a serving cert for the loopback addresses the
// API servers bind to, an admin client cert (group system:masters), service-account signing keys, a foreign CA
// (for TLS failures) and a static token file for token users.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface KubeTokenUser {
  name: string;
  token: string;
  groups: string[];
}

export interface KubePki {
  dir: string;
  ca: string;
  caKey: string;
  foreignCa: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokenFile: string;
  users: Record<string, KubeTokenUser>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function ca(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function leaf(dir: string, name: string, subject: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(['req', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '365', '-extfile', `${name}.ext`], dir);
}

/** Token users the harness always has: one with no RBAC rights at all, one in system:masters for exec plugins. */
const TOKEN_USERS: Omit<KubeTokenUser, 'token'>[] = [
  { name: 'viewer', groups: ['etcd-ops:viewers'] },
  { name: 'exec-admin', groups: ['system:masters'] },
];

/** hosts: the IP addresses the API servers serve on (all go into the serving cert). */
export function makeKubePki(dir: string, hosts: string[] = ['127.0.0.1']): KubePki {
  fs.mkdirSync(dir, { recursive: true });
  ca(dir, 'ca', 'etcd-ops test kubernetes CA');
  ca(dir, 'foreign-ca', 'unrelated CA');
  const sans = [...new Set(['127.0.0.1', ...hosts])].map((ip) => `IP:${ip}`).join(',');
  leaf(dir, 'apiserver', '/CN=kube-apiserver',
    `subjectAltName=${sans},DNS:localhost,DNS:kubernetes,DNS:kubernetes.default\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  leaf(dir, 'admin', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'sa.key'], dir);
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  const users: Record<string, KubeTokenUser> = {};
  for (const u of TOKEN_USERS) users[u.name] = { ...u, token: randomBytes(24).toString('hex') };
  const tokenFile = path.join(dir, 'tokens.csv');
  fs.writeFileSync(tokenFile, Object.values(users).map((u) => `${u.token},${u.name},uid-${u.name},"${u.groups.join(',')}"`).join('\n') + '\n', { mode: 0o600 });
  const p = (f: string) => path.join(dir, f);
  return {
    dir, ca: p('ca.crt'), caKey: p('ca.key'), foreignCa: p('foreign-ca.crt'),
    serverCert: p('apiserver.crt'), serverKey: p('apiserver.key'), adminCert: p('admin.crt'), adminKey: p('admin.key'),
    serviceAccountKey: p('sa.key'), serviceAccountPub: p('sa.pub'), tokenFile, users,
  };
}
