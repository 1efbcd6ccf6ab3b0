// Test-time PKI made with openssl: a CA, one server/peer cert for 127.0.0.1, a client cert,
// plus variants (expired client, foreign CA) for the TLS failure tests.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TestPki {
  dir: string;
  ca: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing in this cluster: using it as trust root must fail verification. */
  foreignCa: string;
  /** A client cert signed by the CA whose validity ended in the past. */
  expiredClientCert: string;
  expiredClientKey: string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function writeExt(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

function selfSignedCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function signedLeaf(dir: string, name: string, cn: string, extFile: string, extraCaArgs: string[] = []): void {
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', `${name}.crt`, '-extfile', extFile, ...extraCaArgs], dir);
}

/** `extraIps`: more addresses the server certificate is valid for (members in network namespaces). */
export function makeTestPki(dir: string, extraIps: string[] = []): TestPki {
  fs.mkdirSync(dir, { recursive: true });
  selfSignedCa(dir, 'ca', 'etcd-ops test CA');
  selfSignedCa(dir, 'foreign-ca', 'unrelated CA');
  const sans = ['IP:127.0.0.1', ...extraIps.map((ip) => `IP:${ip}`), 'DNS:localhost'].join(',');
  const serverExt = writeExt(dir, 'server.ext',
    `subjectAltName=${sans}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
  const clientExt = writeExt(dir, 'client.ext', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  signedLeaf(dir, 'server', 'etcd-server', serverExt, ['-days', '365']);
  signedLeaf(dir, 'client', 'etcd-ops-client', clientExt, ['-days', '365']);
  // x509 -req has no "not after in the past" switch; -not_before/-not_after exist from OpenSSL 3.4 only,
  // so an expired cert is made with the `ca` command, which takes explicit dates.
  makeExpiredClient(dir);
  const p = (f: string) => path.join(dir, f);
  return {
    dir, ca: p('ca.crt'), caKey: p('ca.key'), serverCert: p('server.crt'), serverKey: p('server.key'),
    clientCert: p('client.crt'), clientKey: p('client.key'), foreignCa: p('foreign-ca.crt'),
    expiredClientCert: p('expired-client.crt'), expiredClientKey: p('expired-client.key'),
  };
}

function makeExpiredClient(dir: string): void {
  fs.mkdirSync(path.join(dir, 'ca-db'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'ca-db', 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'ca-db', 'serial'), '1000\n');
  writeExt(dir, 'ca.cnf', [
    '[ca]', 'default_ca = testca', '[testca]', 'dir = ./ca-db', 'database = $dir/index.txt',
    'serial = $dir/serial', 'new_certs_dir = $dir', 'default_md = sha256', 'policy = anything',
    'copy_extensions = none', 'unique_subject = no', '[anything]', 'commonName = supplied',
    '[client_ext]', 'extendedKeyUsage = clientAuth', 'keyUsage = critical,digitalSignature,keyEncipherment', '',
  ].join('\n'));
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'expired-client.key', '-out', 'expired-client.csr', '-subj', '/CN=expired-client'], dir);
  openssl(['ca', '-batch', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key',
    '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extensions', 'client_ext',
    '-in', 'expired-client.csr', '-out', 'expired-client.crt', '-notext'], dir);
}
